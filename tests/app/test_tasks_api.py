"""Tasks: owned, paginated, and invisible to other accounts."""

from __future__ import annotations

from flask.testing import FlaskClient

from devstack.accounts import signup


def create(client: FlaskClient, auth: dict[str, str], **body: object) -> dict[str, object]:
    response = client.post("/api/tasks", json=body, headers=auth)
    assert response.status_code == 201, response.get_json()
    task: dict[str, object] = response.get_json()
    return task


def test_create_update_complete_and_delete(client: FlaskClient, auth: dict[str, str]) -> None:
    task = create(client, auth, title="  write tests  ", due_at="2030-01-01T09:00:00Z")
    assert task["title"] == "write tests"
    assert task["completed"] is False
    assert task["due_at"] == "2030-01-01T09:00:00Z"

    changed = client.patch(f"/api/tasks/{task['id']}", json={"notes": "all of them"}, headers=auth)
    assert changed.get_json()["notes"] == "all of them"
    assert changed.get_json()["title"] == "write tests"

    done = client.post(f"/api/tasks/{task['id']}/complete", headers=auth).get_json()
    assert done["completed"] is True and done["completed_at"] is not None

    reopened = client.patch(f"/api/tasks/{task['id']}", json={"completed": False}, headers=auth)
    assert reopened.get_json()["completed"] is False

    assert client.delete(f"/api/tasks/{task['id']}", headers=auth).status_code == 204
    assert client.get(f"/api/tasks/{task['id']}", headers=auth).status_code == 404


def test_list_paginates_newest_first_and_filters(client: FlaskClient, auth: dict[str, str]) -> None:
    ids = [create(client, auth, title=f"task {n}")["id"] for n in range(5)]
    client.post(f"/api/tasks/{ids[0]}/complete", headers=auth)

    first = client.get("/api/tasks?limit=2", headers=auth).get_json()
    second = client.get(
        f"/api/tasks?limit=2&cursor={first['next_cursor']}", headers=auth
    ).get_json()
    third = client.get(
        f"/api/tasks?limit=2&cursor={second['next_cursor']}", headers=auth
    ).get_json()
    seen = [t["id"] for page in (first, second, third) for t in page["items"]]
    assert seen == list(reversed(ids))
    assert third["next_cursor"] is None

    open_tasks = client.get("/api/tasks?completed=false&limit=100", headers=auth).get_json()
    assert ids[0] not in [t["id"] for t in open_tasks["items"]]


def test_another_account_sees_404_not_the_task(client: FlaskClient, auth: dict[str, str]) -> None:
    task = create(client, auth, title="private")
    other = signup(client)
    assert client.get(f"/api/tasks/{task['id']}", headers=other).status_code == 404
    assert (
        client.patch(f"/api/tasks/{task['id']}", json={"title": "x"}, headers=other).status_code
        == 404
    )
    assert client.delete(f"/api/tasks/{task['id']}", headers=other).status_code == 404
    assert client.get("/api/tasks", headers=other).get_json()["items"] == []


def test_bad_task_input_names_the_field(client: FlaskClient, auth: dict[str, str]) -> None:
    cases = [
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "ok", "notes": "n" * 2001}, "notes"),
        ({"title": "ok", "due_at": "next tuesday"}, "due_at"),
        ({"title": 12}, "title"),
    ]
    for body, field in cases:
        response = client.post("/api/tasks", json=body, headers=auth)
        assert response.status_code == 422, body
        assert response.get_json()["error"]["details"]["fields"][0]["field"] == field
    blank = [
        client.post("/api/tasks", json={"title": title}, headers=auth).get_json()["error"][
            "message"
        ]
        for title in ("", "   ")
    ]
    assert blank == ["title: must not be blank"] * 2
    assert client.get("/api/tasks?cursor=garbage", headers=auth).status_code == 422
    assert client.get("/api/tasks?limit=0", headers=auth).status_code == 422
    assert client.get("/api/tasks?surprise=1", headers=auth).status_code == 422


def test_mutations_require_a_token(client: FlaskClient) -> None:
    assert client.post("/api/tasks", json={"title": "x"}).status_code == 401
    assert client.get("/api/tasks").status_code == 401


def test_ids_beyond_the_integer_column_are_404_not_500(
    client: FlaskClient, auth: dict[str, str]
) -> None:
    huge = 2**31  # one past PostgreSQL's `integer`; schemathesis found this as a 500
    assert client.get(f"/api/tasks/{huge}", headers=auth).status_code == 404
    assert client.patch(f"/api/tasks/{huge}", json={"notes": "x"}, headers=auth).status_code == 404
    assert client.post(f"/api/tasks/{huge}/complete", headers=auth).status_code == 404
    assert client.delete(f"/api/tasks/{huge}", headers=auth).status_code == 404
    assert client.delete("/api/tasks/-1", headers=auth).status_code == 404


def test_body_fields_take_only_their_documented_json_types(
    client: FlaskClient, auth: dict[str, str]
) -> None:
    # schemathesis found `"due_at": 0` accepted as 1970-01-01 although the schema says date-time.
    for body, field in [
        ({"title": "t", "due_at": 0}, "due_at"),
        ({"title": "t", "due_at": "2030-01-01"}, "due_at"),
        ({"title": "t", "notes": 5}, "notes"),
    ]:
        response = client.post("/api/tasks", json=body, headers=auth)
        assert response.status_code == 422, body
        assert response.get_json()["error"]["details"]["fields"][0]["field"] == field
    task = create(client, auth, title="t", due_at="2030-01-01T09:00:00+02:00")
    assert task["due_at"].startswith("2030-01-01T09:00:00")  # type: ignore[attr-defined]
    flag = client.patch(f"/api/tasks/{task['id']}", json={"completed": 1}, headers=auth)
    assert flag.status_code == 422


def test_nul_characters_are_a_422_naming_the_field(
    client: FlaskClient, auth: dict[str, str]
) -> None:
    # schemathesis found "\u0000" in a title reaching PostgreSQL, which refuses it: a 500.
    for path, body, field in [
        ("/api/tasks", {"title": "t", "notes": "a\u0000b"}, "notes"),
        ("/api/jobs", {"type": "echo", "input": {"message": "\u0000"}}, "input.message"),
    ]:
        response = client.post(path, json=body, headers=auth)
        assert response.status_code == 422, response.get_json()
        assert response.get_json()["error"]["details"]["fields"][0]["field"] == field
    assert client.get("/api/jobs?type=%00", headers=auth).status_code == 422
    schema = client.get("/api/openapi.json").get_json()["components"]["schemas"]["TaskCreate"]
    assert schema["properties"]["notes"]["pattern"] == "^[^\\x00]*$"
