import { expect, test } from "@playwright/test";
import { screenshot, signUp } from "./support";

test("create, complete, edit and delete tasks", async ({ page }) => {
  await signUp(page);
  await expect(page.getByText("No tasks yet. Add one above.")).toBeVisible();

  await page.getByLabel("Title").fill("   ");
  await page.getByRole("button", { name: "Add task" }).click();
  await expect(page.getByLabel("Title")).toHaveAccessibleDescription("Must not be blank.");
  await expect(page.getByLabel("Title")).toBeFocused();

  for (const title of ["Water the plants", "Buy milk"]) {
    await page.getByLabel("Title").fill(title);
    await page.getByLabel("Title").press("Enter");
    await expect(page.getByRole("checkbox", { name: title })).toBeVisible();
  }
  await page.getByLabel("Title").fill("Call the bank");
  await page.getByLabel("Notes").fill("about the new card");
  await page.getByRole("button", { name: "Add task" }).click();

  const list = page.getByRole("list", { name: "Your tasks" });
  await expect(list.getByRole("listitem")).toHaveCount(3);
  await expect(list.getByRole("listitem").first()).toContainText("about the new card");

  await page.getByRole("checkbox", { name: "Buy milk" }).check();
  await expect(page.getByRole("checkbox", { name: "Buy milk" })).toBeChecked();
  await page.reload();
  await expect(page.getByRole("checkbox", { name: "Buy milk" })).toBeChecked();
  await expect(page.getByRole("checkbox", { name: "Water the plants" })).not.toBeChecked();
  await screenshot(page, "tasks");

  await page.getByRole("button", { name: "Edit Water the plants" }).click();
  const form = page.getByRole("form", { name: "Edit task Water the plants" });
  await form.getByLabel("Title").fill("Water the garden");
  await form.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("checkbox", { name: "Water the garden" })).toBeVisible();

  await page.getByRole("button", { name: "Delete Call the bank" }).click();
  await expect(list.getByRole("listitem")).toHaveCount(2);
  await page.reload();
  await expect(list.getByRole("listitem")).toHaveCount(2);
  await expect(page.getByText("Call the bank")).toHaveCount(0);
});
