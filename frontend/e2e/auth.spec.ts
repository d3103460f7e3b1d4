import { expect, test } from "@playwright/test";
import { PASSWORD, bearer, newEmail, screenshot, sessionToken, signUp } from "./support";

test("sign up, log out and log in again", async ({ page }) => {
  const email = newEmail("ada");
  await page.goto("/signup");
  await expect(page.getByRole("heading", { name: "Sign up", exact: true })).toBeVisible();

  await page.getByLabel("Email").fill("not-an-email");
  await page.getByLabel("Password").fill("short");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByLabel("Email")).toHaveAccessibleDescription(
    "Must be an email address like name@example.com.",
  );
  await expect(page.getByLabel("Password")).toHaveAccessibleDescription(
    /String should have at least 8 characters\./,
  );
  await expect(page.getByLabel("Email")).toBeFocused();
  await screenshot(page, "signup-errors");

  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByLabel("Password").press("Enter");
  await expect(page.getByRole("heading", { name: "Tasks", exact: true })).toBeVisible();
  await expect(page.getByRole("banner")).toContainText(email);

  await page.reload();
  await expect(page.getByRole("heading", { name: "Tasks", exact: true })).toBeVisible();

  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page.getByRole("status")).toHaveText("You are logged out.");
  await screenshot(page, "login");

  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("wrong password");
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("alert")).toContainText("Wrong email or password.");

  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("heading", { name: "Tasks", exact: true })).toBeVisible();
});

test("a second sign-up with the same email is refused next to the email field", async ({
  page,
  browser,
}) => {
  const email = await signUp(page);

  const other = await browser.newPage();
  await other.goto("/signup");
  await other.getByLabel("Email").fill(email);
  await other.getByLabel("Password").fill(PASSWORD);
  await other.getByRole("button", { name: "Create account" }).click();

  await expect(other.getByLabel("Email")).toHaveAccessibleDescription(
    "An account with this email already exists.",
  );
  await other.close();
});

test("a revoked session sends the user back to the login page, saying why", async ({
  page,
  request,
}) => {
  await signUp(page);
  const revoked = await request.post("/api/auth/logout", {
    headers: bearer(await sessionToken(page)),
  });
  expect(revoked.status()).toBe(200);

  await page.getByLabel("Title").fill("Written after the token was revoked");
  await page.getByRole("button", { name: "Add task" }).click();

  await expect(page.getByRole("heading", { name: "Log in", exact: true })).toBeVisible();
  await expect(page.getByRole("status")).toHaveText("Your session has expired. Log in again.");
});

test("the environment banner names this environment and its commit", async ({ page }) => {
  await page.goto("/login");

  const banner = page.getByRole("complementary", { name: "Environment" });
  await expect(banner).toContainText("Test");
  await expect(banner).toContainText(/commit \S+/);
  await expect(banner.getByRole("link", { name: "Temporal UI" })).toHaveAttribute(
    "href",
    "http://127.0.0.1:8233",
  );
});
