// Davit's web page in a real browser (Debian's chromium, driven by playwright-core): load the repository
// page, open a folder, a file's history (author and date shown), a diff between two versions, and check a
// download. Env: DAVIT_ORIGIN (http://127.0.0.1:PORT), DAVIT_REPO (owner/repo), DAVIT_USER, DAVIT_PASS,
// DAVIT_FILE (a file with at least two versions, e.g. docs/ui.txt). Prints "browser ui: PASS" last on success.
import { chromium } from 'playwright-core';

const origin = process.env.DAVIT_ORIGIN;
const repo = process.env.DAVIT_REPO;
const file = process.env.DAVIT_FILE;
const fail = (msg) => { console.log(`FAIL: ${msg}`); process.exitCode = 1; };
const pass = (msg) => console.log(`PASS: ${msg}`);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const context = await browser.newContext({
    httpCredentials: { username: process.env.DAVIT_USER, password: process.env.DAVIT_PASS },
    acceptDownloads: true,
  });
  const page = await context.newPage();
  const res = await page.goto(`${origin}/ui/${repo}/`);
  if (res.status() === 200) pass(`load /ui/${repo}/ (${await page.title()})`); else fail(`load: status ${res.status()}`);

  const folder = file.split('/').slice(0, -1).join('/');
  const name = file.split('/').pop();
  if (folder) {
    await page.click(`a.folder:text-is("${folder}/")`);
    await page.waitForURL(`**/tree/${folder}/`);
    pass(`open folder ${folder}/`);
  }
  await page.click(`a.file:text-is("${name}")`);
  await page.waitForURL(`**/history/${file}`);
  const versions = await page.locator('tr.version').count();
  const author = await page.locator('tr.version td.author').first().textContent();
  const date = await page.locator('tr.version td.date').first().textContent();
  if (versions >= 2 && author && /\d{4}-\d{2}-\d{2} \d{2}:\d{2}/.test(date)) pass(`history of ${file}: ${versions} versions, latest by ${author} at ${date}`);
  else fail(`history: ${versions} versions, author '${author}', date '${date}'`);

  await page.locator('a.diff').first().click();
  await page.waitForURL('**/diff/**');
  const diff = await page.locator('#diff').textContent();
  const added = await page.locator('#diff span.add').count();
  if (diff && diff.includes('@@') && added > 0) pass(`diff with previous version (${added} added lines shown)`);
  else fail(`diff page: ${diff}`);

  await page.goBack();
  await page.selectOption('#compare select[name=from]', { index: versions - 1 });
  await page.click('#compare button');
  await page.waitForURL('**/diff/**from=**');
  if (await page.locator('#diff').count() === 1) pass('diff of the oldest and newest versions from the compare form');
  else fail('compare form gave no diff');

  await page.goBack();
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('a.download').last().click()]);
  const path = await download.path();
  const { readFile } = await import('node:fs/promises');
  const bytes = await readFile(path);
  if (download.suggestedFilename() === name && bytes.length > 0) pass(`download of the oldest version (${bytes.length} bytes, ${download.suggestedFilename()})`);
  else fail(`download: ${download.suggestedFilename()}, ${bytes.length} bytes`);
} catch (e) {
  fail(`browser: ${e.message}`);
} finally {
  await browser.close();
}
console.log(process.exitCode ? 'browser ui: FAIL' : 'browser ui: PASS');
