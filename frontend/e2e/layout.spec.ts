import { expect, test, type Page } from "@playwright/test";
import { screenshot, signUp } from "./support";

test.use({ viewport: { width: 375, height: 740 } });

async function expectNoSidewaysScroll(page: Page) {
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  expect(overflow).toBeLessThanOrEqual(0);
}

test("every page fits a 375px phone screen", async ({ page }) => {
  await page.goto("/login");
  await expectNoSidewaysScroll(page);

  await signUp(page);
  await page
    .getByLabel("Title")
    .fill("A task with a rather long title that has to wrap on a phone");
  await page.getByRole("button", { name: "Add task" }).click();
  await expect(page.getByRole("list", { name: "Your tasks" }).getByRole("listitem")).toHaveCount(1);
  await expectNoSidewaysScroll(page);
  await screenshot(page, "tasks-phone");

  await page.getByRole("link", { name: "Jobs" }).click();
  await page.getByLabel("Message").fill("hi from a phone");
  await page.getByRole("button", { name: "Start job" }).click();
  await expect(page.getByRole("article").getByText("Succeeded")).toBeVisible();
  await expectNoSidewaysScroll(page);
  await screenshot(page, "jobs-phone");
});

test("client-side routes load directly from the server", async ({ page }) => {
  await signUp(page);

  await page.goto("/jobs");
  await expect(page.getByRole("heading", { name: "Jobs", exact: true })).toBeVisible();

  await page.goto("/no/such/page");
  await expect(page.getByRole("heading", { name: "Page not found", exact: true })).toBeVisible();
});
