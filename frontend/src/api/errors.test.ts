import { describe, expect, it } from "vitest";
import { ApiError, ApiUnreachable } from "./client";
import { describeError, fieldErrors, formError } from "./errors";

const validation = new ApiError(422, "validation_error", "input.message: Field required", [
  { field: "input.message", message: "Field required", type: "missing" },
  { field: "input.delay_ms", message: "Input should be greater than or equal to 0", type: "x" },
]);

describe("field errors", () => {
  it("maps the API's fields to messages, under a prefix", () => {
    expect(fieldErrors(validation, "input.")).toEqual({
      message: "Field required.",
      delay_ms: "Input should be greater than or equal to 0.",
    });
    expect(fieldErrors(validation)).toHaveProperty(["input.message"]);
  });

  it("puts a duplicate sign-up on the email field", () => {
    const error = new ApiError(409, "email_taken", "an account with this email already exists", [
      { field: "email", message: "an account with this email already exists", type: "conflict" },
    ]);
    expect(fieldErrors(error)).toEqual({ email: "An account with this email already exists." });
  });

  it("leaves the form message empty when a visible field shows the error", () => {
    expect(formError(validation, ["input.message"])).toBeNull();
    expect(formError(validation, ["other"])).toMatch(/Field required/);
    expect(formError(null, [])).toBeNull();
  });
});

describe("describeError", () => {
  it("says when Temporal is down", () => {
    const error = new ApiError(503, "temporal_unavailable", "the job service is unavailable");
    expect(describeError(error).title).toBe("The job service is unavailable");
  });

  it("says when the database is down", () => {
    const error = new ApiError(
      503,
      "database_unavailable",
      "the database is unavailable; try again shortly",
    );
    expect(describeError(error)).toEqual({
      title: "Service unavailable",
      message: "The database is unavailable; try again shortly. Try again shortly.",
    });
  });

  it("says when the server cannot be reached", () => {
    expect(describeError(new ApiUnreachable("Cannot reach the server.")).title).toBe(
      "Can't reach the server",
    );
  });
});
