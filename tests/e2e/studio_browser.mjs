// Drives Prisma Studio in headless Chromium (Debian's package) with playwright-core.
//   node tests/e2e/studio_browser.mjs <studio url> <screenshot.png> <json spec>
// spec: {"models": [name, ...], "edit": {"model", "match", "field", "value"}}
// For each model: open it, wait for its rows ("Showing N of M" with M > 0). Then in the
// edit model, double-click the `field` cell of the row showing `match`, type `value`, save.
// Prints one JSON line: {"models": {name: shown}, "saved": true}. Exit 1 on any failure.
import { chromium } from 'playwright-core'

const [url, screenshot, specText] = process.argv.slice(2)
const spec = JSON.parse(specText)
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]
const TIMEOUT = 240_000

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: CHROMIUM_FLAGS,
  timeout: TIMEOUT,
})
const page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage()
page.setDefaultTimeout(TIMEOUT)
try {
  await page.goto(url)
  await page.waitForFunction(() => !document.body.innerText.includes('Getting things ready'))
  const shown = {}
  const openModel = async (name) => {
    await page.locator('nav, aside, div').getByText(name, { exact: true }).first().click()
    const showing = page.getByText(/^\d+\s+of\s+\d+$/).first()
    // Its tab is open (the name shown twice: the list and the tab) and its rows are shown.
    await page.waitForFunction(
      (model) =>
        [...document.querySelectorAll('body *')].filter((e) => e.childElementCount === 0 && e.textContent === model).length >= 2 &&
        /(^|\n)[1-9]\d*\s+of\s+[1-9]/.test(document.body.innerText),
      name,
    )
    shown[name] = await showing.innerText()
  }
  for (const name of spec.models) await openModel(name)
  const { model, match, field, value } = spec.edit
  await openModel(model)
  const header = page.locator('[role="columnheader"], th, div').getByText(field, { exact: true }).first()
  await header.waitFor()
  const row = page.locator('[role="row"], tr').filter({ hasText: match }).first()
  await row.waitFor()
  // The cell of `field` in that row: the one under the header, by horizontal position.
  const headerBox = await header.boundingBox()
  const rowBox = await row.boundingBox()
  await page.mouse.dblclick(headerBox.x + headerBox.width / 2, rowBox.y + rowBox.height / 2)
  // The cell's editor takes the focus once it is open: replace its text, confirm.
  await page.waitForFunction(() => {
    const active = document.activeElement
    return active && (['INPUT', 'TEXTAREA'].includes(active.tagName) || active.isContentEditable)
  })
  await page.locator(':focus').fill(value)
  await page.keyboard.press('Enter')
  const save = page.getByRole('button', { name: /Save 1 change/ })
  await save.click()
  await page.waitForFunction(() => !/Save \d+ change/.test(document.body.innerText))
  await page.getByText(value, { exact: true }).first().waitFor()
  await page.screenshot({ path: screenshot })
  console.log(JSON.stringify({ models: shown, saved: true }))
} catch (error) {
  await page.screenshot({ path: screenshot }).catch(() => {})
  console.error(`studio_browser: ${error.stack ?? error}`)
  process.exitCode = 1
} finally {
  await browser.close()
}
