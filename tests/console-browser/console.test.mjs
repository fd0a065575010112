// The account console in a real headless Chromium (the distribution's, through
// playwright-core), against a latchkeyd that scripts/test-console.sh started: the whole
// journey of a person who needs one key for a build server, with a screenshot of each
// page into docs/console/.
//
//   LATCHKEY_URL=http://127.0.0.1:PORT SCREENSHOT_DIR=docs/console node --test console.test.mjs
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';

const server = process.env.LATCHKEY_URL;
const shots = process.env.SCREENSHOT_DIR;
const browserPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
assert.ok(server, 'LATCHKEY_URL is required');
const EMAIL = `ada-${Date.now()}@example.com`;
const PASSWORD = 'correct horse battery staple';
const NEW_PASSWORD = 'a different passphrase 2026';

let browser;
let page;
const problems = [];

before(async () => {
  browser = await chromium.launch({ executablePath: browserPath, args: ['--no-sandbox'] });
  const context = await browser.newContext({ viewport: { width: 1000, height: 720 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server });
  page = await context.newPage();
  // A CSP violation or a script error shows up as a console error: none may happen.
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(String(error)));
  if (shots) mkdirSync(shots, { recursive: true });
});

after(async () => {
  await browser?.close();
});

async function shot(name) {
  if (shots) await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

async function open(path) {
  const response = await page.goto(`${server}${path}`);
  assert.equal(response.status(), 200, path);
}

async function message() {
  return page.locator('.message').innerText();
}

async function logIn(password) {
  await open('/console/login');
  await page.getByLabel('Email or account ID').fill(EMAIL);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  assert.equal(new URL(page.url()).pathname, '/console/keys');
}

async function createKey(name, scope, { days = '', networks = '' } = {}) {
  await page.getByLabel('Name (optional)').fill(name);
  await page.getByLabel('Scope (optional)').fill(scope);
  await page.getByLabel('Expires after (days, optional)').fill(days);
  await page.getByLabel('Allowed networks (optional)').fill(networks);
  await page.getByRole('button', { name: 'Create key' }).click();
  const clientId = await page.locator('#new-client-id').innerText();
  const clientSecret = await page.locator('#new-secret').innerText();
  assert.match(clientId, /^[0-9a-f]{40}$/);
  assert.match(clientSecret, /^[0-9a-f]{80}$/);
  return { clientId, clientSecret };
}

async function clientCredentials(key) {
  const response = await fetch(`${server}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ grantType: 'clientCredentials', ...key }),
  });
  return { status: response.status, body: await response.json() };
}

test('a person manages keys, sessions and their password in the console', async () => {
  await open('/console/signup');
  await page.getByLabel('Email').fill(EMAIL);
  await page.getByLabel('Password').fill('short');
  // The browser's own check (minlength) stops a short password; the server's too.
  await page.getByLabel('Password').fill(PASSWORD);
  await shot('signup');
  await page.getByRole('button', { name: 'Sign up' }).click();
  assert.equal(new URL(page.url()).pathname, '/console/login');
  assert.match(await message(), /Your account is ready/);
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Log in' }).click();
  assert.match(await message(), /Wrong email or password/);
  await shot('login-error');
  await logIn(PASSWORD);
  await shot('keys-empty');

  // A key for the build server: its secret shown once, with the seeds' warning.
  const build = await createKey('build server', 'nodes:read', { days: '90', networks: '127.0.0.0/8' });
  assert.match(await page.locator('.warning').innerText(), /not be possible to obtain them again/);
  const copy = page.getByRole('button', { name: 'Copy secret' });
  await copy.click();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), build.clientSecret);
  await shot('keys-new-secret');
  const grant = await clientCredentials(build);
  assert.equal(grant.status, 200, JSON.stringify(grant.body));
  assert.ok(grant.body.accessToken && grant.body.refreshToken);

  // Listed with its scope, never with its secret again.
  await open('/console/keys');
  const listed = await page.locator('main').innerText();
  assert.ok(listed.includes(build.clientId));
  assert.ok(listed.includes('nodes:read'));
  assert.ok(listed.includes('127.0.0.0/8') && listed.includes('from 127.0.0.1'));
  assert.ok(!listed.includes(build.clientSecret));
  assert.equal(await page.locator('#new-secret').count(), 0);
  await shot('keys');

  // A new secret, the old one working through the overlap (one day by default).
  await page.getByRole('link', { name: `Rotate secret of key ${build.clientId}` }).click();
  assert.equal(await page.getByLabel('Overlap (days)').inputValue(), '1');
  await shot('rotate-key');
  await page.getByRole('button', { name: 'Rotate the secret' }).click();
  assert.match(await page.locator('#old-secret').innerText(), /keeps working until/);
  const rotated = { clientId: build.clientId, clientSecret: await page.locator('#new-secret').innerText() };
  assert.notEqual(rotated.clientSecret, build.clientSecret);
  await shot('keys-rotated-secret');
  assert.equal((await clientCredentials(rotated)).status, 200);
  assert.equal((await clientCredentials(build)).status, 200);

  // Deleted after a confirmation: its secret stops working.
  await page.getByRole('link', { name: `Delete key ${build.clientId}` }).click();
  await shot('delete-key');
  await page.getByRole('button', { name: 'Delete this key' }).click();
  assert.match(await message(), /Client key deleted/);
  assert.equal((await clientCredentials(build)).status, 401);
  assert.equal((await clientCredentials(rotated)).status, 401);

  // Two sessions from another key: revoke one, then log out everywhere.
  const ci = await createKey('ci', '');
  await clientCredentials(ci);
  await clientCredentials(ci);
  await open('/console/sessions');
  assert.equal(await page.locator('tbody tr').count(), 2);
  await shot('sessions');
  await page.getByRole('button', { name: /^Revoke/ }).first().click();
  assert.match(await message(), /Session revoked/);
  assert.equal(await page.locator('tbody tr').count(), 1);
  await page.getByRole('button', { name: 'Log out everywhere' }).click();
  assert.equal(new URL(page.url()).pathname, '/console/login');
  assert.match(await message(), /logged out everywhere/);
  await open('/console/keys').catch(() => {});
  assert.equal(new URL(page.url()).pathname, '/console/login');

  // The audit trail, then a password change, which ends this session too.
  await logIn(PASSWORD);
  await open('/console/events');
  assert.match(await page.locator('main').innerText(), /client key deleted/);
  await shot('events');
  await open('/console/password');
  await page.getByLabel('Current password').fill('not the password');
  await page.getByLabel('New password').fill(NEW_PASSWORD);
  await page.getByRole('button', { name: 'Change password' }).click();
  assert.match(await message(), /current password is wrong/);
  await shot('password');
  await page.getByLabel('Current password').fill(PASSWORD);
  await page.getByLabel('New password').fill(NEW_PASSWORD);
  await page.getByRole('button', { name: 'Change password' }).click();
  assert.equal(new URL(page.url()).pathname, '/console/login');
  assert.match(await message(), /password is changed/);

  // Log in with the new password, at 360 px wide, and log out.
  await page.setViewportSize({ width: 360, height: 720 });
  await logIn(NEW_PASSWORD);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(overflow <= 360, `the page is ${overflow} px wide at 360 px`);
  await shot('keys-360px');
  await page.getByRole('button', { name: 'Log out' }).click();
  assert.equal(new URL(page.url()).pathname, '/console/login');
  assert.match(await message(), /You are logged out/);
  await shot('login');
  assert.deepEqual(problems, []);
});

test('the console works with JavaScript off, the copy button aside', async () => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const plain = await context.newPage();
  await plain.goto(`${server}/console/login`);
  await plain.getByLabel('Email or account ID').fill(EMAIL);
  await plain.getByLabel('Password').fill(NEW_PASSWORD);
  await plain.getByRole('button', { name: 'Log in' }).click();
  assert.equal(new URL(plain.url()).pathname, '/console/keys');
  await plain.getByLabel('Name (optional)').fill('no script');
  await plain.getByRole('button', { name: 'Create key' }).click();
  assert.match(await plain.locator('#new-secret').innerText(), /^[0-9a-f]{80}$/);
  assert.equal(await plain.getByRole('button', { name: 'Copy secret' }).isVisible(), false);
  await context.close();
});
