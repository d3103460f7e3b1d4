import { readFile } from "node:fs/promises";
import { expect, test } from "@playwright/test";
import { apiTask, bearer, parseCsv, screenshot, sessionToken, signUp } from "./support";

const TITLES = [
  "Buy milk",
  'Fix the "leaky" tap, today',
  "Café: pay €12",
  ...Array.from({ length: 5 }, (_, i) => `Chore ${i + 1}`),
];
// 8 rows x 750 ms: long enough for the page (polling every second) to show progress
// between none and all of them.
const DELAY_MS_PER_ROW = "750";

test("an export job shows its progress up to done, and its CSV downloads", async ({
  page,
  request,
}) => {
  await signUp(page);
  const token = await sessionToken(page);
  const tasks = [];
  for (const title of TITLES) tasks.push(await apiTask(request, token, { title }));
  const done = tasks[0];
  if (!done) throw new Error("no task was created");
  await request.post(`/api/tasks/${done.id}/complete`, { headers: bearer(token) });

  await page.getByRole("link", { name: "Jobs" }).click();
  await expect(page.getByText("No jobs yet. Start one above.")).toBeVisible();
  await page.getByLabel("Job type").selectOption("export");
  await page.getByLabel("Delay Ms Per Row").fill(DELAY_MS_PER_ROW);
  await page.getByRole("button", { name: "Start job" }).click();

  const card = page.getByRole("article").filter({ hasText: "export" });
  await expect(card.getByText("Running")).toBeVisible();
  await expect(card.getByText(/^[1-7] of 8 done$/)).toBeVisible();
  await expect(card.getByRole("progressbar", { name: "Progress" })).toBeVisible();
  await screenshot(page, "jobs-running");

  await expect(card.getByText("Succeeded")).toBeVisible();
  await expect(card.getByText("8 of 8 done")).toBeVisible();

  const downloading = page.waitForEvent("download");
  await card.getByRole("button", { name: "Download CSV" }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/^tasks-job-[0-9a-f-]+\.csv$/);
  const rows = parseCsv(await readFile(await download.path(), "utf-8"));

  expect(rows[0]).toEqual(["id", "title", "notes", "due_at", "completed_at", "created_at"]);
  const body = rows.slice(1);
  expect(body.map((row) => row[1])).toEqual(TITLES);
  expect(body.map((row) => Number(row[0]))).toEqual(tasks.map((task) => task.id));
  expect(body[0]?.[4]).toMatch(/^\d{4}-\d\d-\d\dT/);
  expect(body[1]?.[4]).toBe("");
});

test("a long job can be cancelled", async ({ page }) => {
  await signUp(page);
  await page.getByRole("link", { name: "Jobs" }).click();

  await page.getByLabel("Job type").selectOption("echo");
  await page.getByLabel("Message").fill("this takes ten minutes");
  await page.getByLabel("Delay Ms", { exact: true }).fill("600000");
  await page.getByRole("button", { name: "Start job" }).click();

  const card = page.getByRole("article").filter({ hasText: "echo" });
  await expect(card.getByText("Running")).toBeVisible();
  await card.getByRole("button", { name: "Cancel" }).click();

  await expect(card.getByText("Cancelled")).toBeVisible();
  await expect(card.getByRole("button", { name: "Cancel" })).toHaveCount(0);
  await screenshot(page, "jobs");
});

test("a job's bad input is shown next to its field", async ({ page }) => {
  await signUp(page);
  await page.getByRole("link", { name: "Jobs" }).click();

  await page.getByLabel("Job type").selectOption("echo");
  await page.getByLabel("Message").fill("hello");
  await page.getByLabel("Delay Ms", { exact: true }).fill("9999999");
  await page.getByRole("button", { name: "Start job" }).click();

  await expect(page.getByLabel("Delay Ms", { exact: true })).toHaveAccessibleDescription(
    /Input should be less than or equal to 600000\./,
  );
  await expect(page.getByRole("article")).toHaveCount(0);
});
