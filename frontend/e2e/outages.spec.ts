import { expect, test } from "@playwright/test";
import { screenshot, signUp } from "./support";

test("when the API cannot be reached, pages say so and recover on retry", async ({ page }) => {
  await signUp(page);
  await page.route("**/api/**", (route) => route.abort("connectionrefused"));

  await page.reload();
  await expect(page.getByText("Can't reach the server")).toBeVisible();
  await expect(page.getByRole("alert", { name: "Environment" })).toContainText(
    "The API is not answering",
  );
  await screenshot(page, "api-down");

  await page.unroute("**/api/**");
  await page.getByRole("main").getByRole("button", { name: "Retry" }).click();
  await expect(page.getByText("No tasks yet. Add one above.")).toBeVisible();
  await expect(page.getByRole("complementary", { name: "Environment" })).toContainText("Test");
});

const temporalDownUrl = process.env.E2E_TEMPORAL_DOWN_URL;

test("when Temporal is down, starting a job says the job service is unavailable", async ({
  page,
}) => {
  test.skip(!temporalDownUrl, "needs E2E_TEMPORAL_DOWN_URL: a web app whose Temporal is down");
  await signUp(page, { baseUrl: temporalDownUrl });

  await page.getByRole("link", { name: "Jobs" }).click();
  await expect(page.getByText("No jobs yet. Start one above.")).toBeVisible();
  await page.getByLabel("Message").fill("nobody is listening");
  await page.getByRole("button", { name: "Start job" }).click();

  await expect(page.getByRole("alert")).toContainText("The job service is unavailable");
  await screenshot(page, "jobs-temporal-down");
});
