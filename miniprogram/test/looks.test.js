/**
 * How every page looks, in every state of test/scenarios.js, measured from the compiled wxss
 * (test/style.js) — components included:
 *
 * - 长辈版 sizes: switching it on makes all text at least 18px with line spacing of at least
 *   1.3 and every tap target at least 60 x 60px; switching it off gives the normal look back.
 *   A page or component that ignored the switch keeps its 15px hints and 44px buttons.
 * - Outside the 长辈版 every tap target is at least 44 x 44px (工信部 rule 2.1 for other pages).
 * - WeChat's font at its largest (工信部 rule 1.1, 「最大字体不小于30dp」): with the person's
 *   WeChat font size all the way up on a phone (23.8px) and 长辈版 on, every text is at least
 *   30px; WeChat's setting without the 长辈版 does not get there.
 * - The contrast table: every text at least 4.5:1 against what it stands on (WCAG AA, and
 *   工信部's 适老化 rule), in both modes; translucent bands over photos count against both a
 *   white and a black photo. Every colour a wxss file gives to text must be met somewhere,
 *   so a new colour cannot slip in unmeasured.
 *
 * Rendering is the slow part, so each scenario is rendered once (beforeAll) and measured in
 * both modes; the tests below judge the measurements.
 */
const fs = require('fs')
const path = require('path')
const { ROOT } = require('./helpers')
const { SCENARIOS } = require('./scenarios')
const { styleOf, textRuns, tapTargets, contrast, parseColor, hex, parse, compile, atRootFont, STANDARD_ROOT_FONT_PX } = require('./style')

const MIN_TEXT_PX = 18
const MIN_LINE_SPACING = 1.3
const MIN_TARGET_PX = 60
const MIN_CONTRAST = 4.5
// 工信部's 适老化 rule 1.1: with the font turned all the way up, the main text reaches 30dp.
const MIN_LARGEST_MAIN_TEXT_PX = 30
// WeChat's largest font size on a 375/320-wide iPhone (+5, the 「关怀模式」 size; 414-wide
// phones go to 25.5px): the smallest "largest" WeChat documents for phones (适老化设计指南).
const LARGEST_ROOT_FONT_PX = 23.8
// 工信部 rule 2.1 outside the 长辈版: main controls at least 44 x 44dp.
const MIN_NORMAL_TARGET_PX = 44
// Targets whose size the estimate (test/style.js) cannot tell, shown as 0: an image sized 100%
// of its box, buttons sharing a flex row. Their 长辈版 sizes are measured above.
const UNSIZED = [/photo-image/, /privacy-popup--panel-/]

// scenario name -> [{label, normal, elder, elderLargest, restored, normalLargest, classes: {normal, elder, restored}}]
const measured = {}
const table = new Map() // "fg on bg" -> {ratio, where}
const colourRules = new Set()

function measure(page, relPath) {
  const styled = styleOf(page, relPath)
  return { runs: textRuns(styled), targets: tapTargets(styled) }
}

function rootClass(page) {
  return page.dom.querySelector('wx-view').className
}

beforeAll(async () => {
  for (const { name } of SCENARIOS) {
    // Each scenario in a fresh module registry, as every jest test gets (test/setup.js).
    jest.resetModules()
    require('./wx-mock').resetWx()
    const fresh = require('./scenarios')
    const { mod, settle } = require('./helpers')
    const scenario = fresh.SCENARIOS.find((s) => s.name === name)
    const elder = mod('utils/elder')
    measured[name] = []
    for await (const { label, page } of fresh.states(scenario)) {
      const state = { label, classes: {} }
      state.normal = measure(page, scenario.page)
      state.classes.normal = rootClass(page)
      elder.setOn(true)
      await settle(4)
      state.elder = measure(page, scenario.page)
      state.elderLargest = atRootFont(LARGEST_ROOT_FONT_PX, () => measure(page, scenario.page))
      state.classes.elder = rootClass(page)
      elder.setOn(false)
      await settle(4)
      state.restored = measure(page, scenario.page)
      state.normalLargest = atRootFont(LARGEST_ROOT_FONT_PX, () => measure(page, scenario.page))
      state.classes.restored = rootClass(page)
      measured[name].push(state)
      for (const run of state.normal.runs.concat(state.elder.runs)) if (run.colorFrom) colourRules.add(run.colorFrom)
    }
  }
}, 240000)

afterAll(() => {
  if (process.env.CONTRAST_TABLE) {
    const rows = [...table.entries()].sort((a, b) => a[1].ratio - b[1].ratio)
    console.log(rows.map(([pair, v]) => `${v.ratio.toFixed(2)}  ${pair}  ${v.where}`).join('\n'))
  }
})

function shortfalls({ runs, targets }) {
  const out = []
  for (const r of runs) {
    if (r.fontSize < MIN_TEXT_PX) out.push(`${r.what} "${r.text.slice(0, 12)}": ${r.fontSize}px text`)
    if (r.lineHeight < MIN_LINE_SPACING) out.push(`${r.what} "${r.text.slice(0, 12)}": line spacing ${r.lineHeight.toFixed(2)}`)
  }
  for (const t of targets) {
    if (t.width < MIN_TARGET_PX || t.height < MIN_TARGET_PX) out.push(`${t.what}: ${Math.round(t.width)}x${Math.round(t.height)}px target`)
  }
  return out
}

function lowContrast({ runs }, label) {
  const out = []
  for (const run of runs) {
    for (const bg of run.backgrounds) {
      const ratio = contrast(run.color, bg)
      const pair = hex(run.color) + ' on ' + hex(bg)
      if (!table.has(pair) || table.get(pair).ratio > ratio) table.set(pair, { ratio, where: run.what })
      if (ratio < MIN_CONTRAST) out.push(`${label}: ${run.what} "${run.text.slice(0, 12)}" ${pair} = ${ratio.toFixed(2)}`)
    }
  }
  return out
}

describe('长辈版 sizes', () => {
  test.each(SCENARIOS.map((s) => [s.name]))('%s: text >= 18px, line spacing >= 1.3, targets >= 60x60px', (name) => {
    expect(measured[name].length).toBeGreaterThan(0)
    for (const state of measured[name]) {
      expect(state.classes.normal).not.toMatch(/--elder\b/)
      // The normal look really is smaller: otherwise this could not tell the modes apart.
      expect(shortfalls(state.normal).length).toBeGreaterThan(0)
      expect(state.classes.elder).toMatch(/--elder\b/)
      expect(state.elder.runs.length).toBeGreaterThan(0)
      expect({ state: state.label, shortfalls: shortfalls(state.elder) }).toEqual({ state: state.label, shortfalls: [] })
      // Off again: the normal look is back.
      expect(state.classes.restored).toBe(state.classes.normal)
      expect(shortfalls(state.restored)).toEqual(shortfalls(state.normal))
    }
  })
})

function under(min, { runs }) {
  return runs.filter((r) => r.fontSize < min).map((r) => `${r.what} "${r.text.slice(0, 12)}": ${r.fontSize.toFixed(1)}px`)
}

describe('normal mode', () => {
  test.each(SCENARIOS.map((s) => [s.name]))('%s: tap targets at least 44 x 44px', (name) => {
    for (const state of measured[name]) {
      const small = []
      for (const t of state.normal.targets) {
        if ((t.width === 0 || t.height === 0) && UNSIZED.some((re) => re.test(t.what))) continue
        if (t.width < MIN_NORMAL_TARGET_PX || t.height < MIN_NORMAL_TARGET_PX) small.push(`${t.what}: ${Math.round(t.width)}x${Math.round(t.height)}px`)
      }
      expect({ state: state.label, small }).toEqual({ state: state.label, small: [] })
    }
  })
})

describe('WeChat font at its largest', () => {
  test('the measure follows the root font: 1rem is the person\'s font size', () => {
    expect(STANDARD_ROOT_FONT_PX).toBe(16)
    const state = measured[SCENARIOS[0].name][0]
    const body = (m) => Math.max(...m.runs.map((r) => r.fontSize))
    expect(body(state.elderLargest)).toBeCloseTo((body(state.elder) * LARGEST_ROOT_FONT_PX) / STANDARD_ROOT_FONT_PX, 5)
  })

  test.each(SCENARIOS.map((s) => [s.name]))('%s: with 长辈版 on, every text reaches 30px', (name) => {
    for (const state of measured[name]) {
      expect(state.elderLargest.runs.length).toBeGreaterThan(0)
      expect({ state: state.label, under: under(MIN_LARGEST_MAIN_TEXT_PX, state.elderLargest) }).toEqual({ state: state.label, under: [] })
      // WeChat's setting alone does not get there: it is the 长辈版 that does.
      expect(under(MIN_LARGEST_MAIN_TEXT_PX, state.normalLargest).length).toBeGreaterThan(0)
    }
  })
})

describe('the contrast table', () => {
  test('the ratio itself: known pairs', () => {
    const ratio = (a, b) => contrast(parseColor(a), parseColor(b))
    expect(ratio('#000', '#fff')).toBeCloseTo(21, 5)
    expect(ratio('#fff', '#fff')).toBeCloseTo(1, 5)
    expect(ratio('#777777', '#ffffff')).toBeLessThan(MIN_CONTRAST) // 4.48: the old footer grey
    expect(ratio('#767676', '#ffffff')).toBeGreaterThanOrEqual(MIN_CONTRAST)
    expect(ratio('#e0a0a0', '#ffffff')).toBeLessThan(2.5) // the old disabled button: white on pale red
  })

  test.each(SCENARIOS.map((s) => [s.name]))('%s: every text at least 4.5:1, normal and 长辈版', (name) => {
    const failures = []
    for (const state of measured[name]) {
      failures.push(...lowContrast(state.normal, state.label + ' (normal)'))
      failures.push(...lowContrast(state.elder, state.label + ' (长辈版)'))
    }
    expect(failures).toEqual([])
  })

  test('every text colour in the wxss files was measured', () => {
    const files = ['app.wxss']
    const walk = (dir) => {
      for (const name of fs.readdirSync(path.join(ROOT, dir))) {
        const rel = path.join(dir, name)
        if (fs.statSync(path.join(ROOT, rel)).isDirectory()) walk(rel)
        else if (name.endsWith('.wxss')) files.push(rel)
      }
    }
    walk('pages')
    walk('components')
    const seen = new Set([...colourRules].map((rule) => rule.prefix + ' ' + rule.source))
    const unmeasured = []
    for (const file of files) {
      const prefix = file.startsWith('components/') ? path.basename(file, '.wxss') : 'main'
      for (const rule of parse(compile(fs.readFileSync(path.join(ROOT, file), 'utf8'), prefix))) {
        if (rule.decls.color && !seen.has(prefix + ' ' + rule.source)) unmeasured.push(file + ': ' + rule.source)
      }
    }
    // The placeholder classes are measured as placeholders (their colour, not their rule).
    const PLACEHOLDERS = ['.main--placeholder', '.rating--placeholder']
    expect(unmeasured.filter((u) => !PLACEHOLDERS.some((p) => u.endsWith(': ' + p)))).toEqual([])
  })
})
