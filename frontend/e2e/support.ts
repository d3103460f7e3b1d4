import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { expect, type APIRequestContext, type Page } from "@playwright/test";

export const PASSWORD = "correct horse battery";

const SCREENSHOTS =
  process.env.E2E_SCREENSHOT_DIR ?? resolve(import.meta.dirname, "../../artifacts/screenshots");

export function newEmail(who: string): string {
  return `${who}-${randomUUID().slice(0, 8)}@example.com`;
}

/** Saves a full-page screenshot as a test artifact (artifacts/screenshots/NAME.png). */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Signs up through the UI (of the app at `baseUrl`) and waits for the tasks page. */
export async function signUp(
  page: Page,
  { email = newEmail("user"), baseUrl = "" }: { email?: string; baseUrl?: string } = {},
): Promise<string> {
  await page.goto(`${baseUrl}/signup`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("heading", { name: "Tasks", exact: true })).toBeVisible();
  return email;
}

/** The bearer token of the page's session, as the app stored it. */
export async function sessionToken(page: Page): Promise<string> {
  const token = await page.evaluate(() => {
    const raw = window.localStorage.getItem("preview-stack.session");
    return raw ? (JSON.parse(raw) as { token?: string }).token : undefined;
  });
  if (!token) throw new Error("the page has no session");
  return token;
}

export function bearer(token: string): Record<string, string> {
  return { Authorization: `Bearer ${token}` };
}

/** An account made straight through the API, for data a test only needs to exist. */
export async function apiAccount(request: APIRequestContext, who: string): Promise<string> {
  const response = await request.post("/api/auth/signup", {
    data: { email: newEmail(who), password: PASSWORD },
  });
  expect(response.status()).toBe(201);
  return ((await response.json()) as { token: string }).token;
}

export async function apiTask(
  request: APIRequestContext,
  token: string,
  data: { title: string; notes?: string },
): Promise<{ id: number; title: string }> {
  const response = await request.post("/api/tasks", { headers: bearer(token), data });
  expect(response.status()).toBe(201);
  return (await response.json()) as { id: number; title: string };
}

/** RFC 4180 CSV: quoted fields may hold commas, quotes ("") and newlines. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text.charAt(i);
    if (quoted) {
      if (char === '"' && text.charAt(i + 1) === '"') {
        field += '"';
        i += 1;
      } else if (char === '"') {
        quoted = false;
      } else {
        field += char;
      }
    } else if (char === '"') {
      quoted = true;
    } else if (char === ",") {
      row.push(field);
      field = "";
    } else if (char === "\n" || char === "\r") {
      if (char === "\r" && text.charAt(i + 1) === "\n") i += 1;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else {
      field += char;
    }
  }
  if (field || row.length) rows.push([...row, field]);
  return rows;
}
