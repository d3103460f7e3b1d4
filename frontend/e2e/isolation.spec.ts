import { expect, test } from "@playwright/test";
import { apiAccount, apiTask, bearer, sessionToken, signUp } from "./support";

test("a second account sees none of the first account's tasks or jobs", async ({
  page,
  request,
}) => {
  const first = await apiAccount(request, "first");
  const secret = await apiTask(request, first, { title: "First account's secret task" });
  const started = await request.post("/api/jobs", {
    headers: bearer(first),
    data: { type: "echo", input: { message: "first account's job" } },
  });
  expect(started.status()).toBe(202);
  const job = (await started.json()) as { id: string };

  await signUp(page);
  await expect(page.getByText("No tasks yet. Add one above.")).toBeVisible();
  await expect(page.getByText("First account's secret task")).toHaveCount(0);
  await page.getByRole("link", { name: "Jobs" }).click();
  await expect(page.getByText("No jobs yet. Start one above.")).toBeVisible();

  const second = bearer(await sessionToken(page));
  expect((await request.get(`/api/tasks/${secret.id}`, { headers: second })).status()).toBe(404);
  expect((await request.get(`/api/jobs/${job.id}`, { headers: second })).status()).toBe(404);
  const cancel = await request.post(`/api/jobs/${job.id}/cancel`, { headers: second });
  expect(cancel.status()).toBe(404);
});
