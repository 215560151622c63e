// The Playwright side of docs/benchmarks.md: the same task as xtask/bench/browser/contact.rhai,
// written as a Playwright user would. Debian's chromium, headless, fields found by label.
//
//   node bench.mjs http://127.0.0.1:PORT [forms]
import { chromium } from 'playwright-core';

const app = process.argv[2];
const forms = Number(process.argv[3] || 10);
const started = performance.now();
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true });
const page = await browser.newPage();
const launched = performance.now();
await page.goto(app + '/login');
await page.getByLabel('User name').fill('clerk');
await page.getByLabel('Password').fill('flowbot');
await page.getByRole('button', { name: 'Sign in' }).click();
await page.locator('#welcome').waitFor();
const signedIn = performance.now();
for (let i = 1; i <= forms; i++) {
  await page.goto(app + '/contact');
  await page.getByLabel('First name').fill('Anna ' + i);
  await page.getByLabel('Last name').fill('Müller');
  await page.getByLabel('Email').fill(`anna${i}@example.com`);
  await page.getByLabel('Phone').fill('+41 44 123 45 67');
  await page.getByLabel('City').fill('Zürich 北京');
  await page.getByLabel('ZIP code').fill('8001');
  await page.getByLabel('Comment').fill('Benchmark form ' + i);
  await page.getByRole('button', { name: 'Send' }).click();
  await page.getByText(`saved for Anna ${i} Müller`).waitFor();
}
const filled = performance.now();
await browser.close();
const closed = performance.now();
console.log(JSON.stringify({
  tool: 'playwright-core',
  launch_ms: Math.round(launched - started),
  sign_in_ms: Math.round(signedIn - launched),
  forms,
  forms_ms: Math.round(filled - signedIn),
  close_ms: Math.round(closed - filled),
  total_ms: Math.round(closed - started),
}));
