/**
 * The project as WeChat DevTools will read it: pages where the server's notices and codes
 * point, every file a page needs, labels for screen readers, text that follows WeChat's font
 * setting, 长辈版 on every page and component, what WeChat's privacy rules ask of app.json.
 */
const fs = require('fs')
const path = require('path')
const { ROOT } = require('./helpers')

const read = (rel) => fs.readFileSync(path.join(ROOT, rel), 'utf8')
const appJson = JSON.parse(read('app.json'))

function walk(dir, ext, out) {
  for (const name of fs.readdirSync(path.join(ROOT, dir))) {
    const rel = path.join(dir, name)
    if (name === 'node_modules' || name === 'test') continue
    if (fs.statSync(path.join(ROOT, rel)).isDirectory()) walk(rel, ext, out)
    else if (name.endsWith(ext)) out.push(rel)
  }
  return out
}

test("app.json lists exactly the pages the server's WeChat sandbox treats as published", () => {
  // wechat_sandbox/defaults.py PAGES: notices and codes may only point at these.
  const defaults = fs.readFileSync(path.join(ROOT, '..', 'wechat_sandbox/defaults.py'), 'utf8')
  const block = /PAGES = \(([\s\S]*?)\)/.exec(defaults)[1]
  const published = block.match(/"([^"]+)"/g).map((s) => s.slice(1, -1))
  expect(appJson.pages.slice().sort()).toEqual(published.slice().sort())
  expect(appJson.pages[0]).toBe('pages/entry/entry') // codes open the entry page
})

test('the pages notices tap through to exist and read the id', () => {
  const notices = fs.readFileSync(path.join(ROOT, '..', 'server/notices/layouts.py'), 'utf8')
  const targets = [...notices.matchAll(/"(pages\/[^"?]+)\?id=\{id\}"/g)].map((m) => m[1])
  expect(new Set(targets)).toEqual(new Set(['pages/deputy/item/item', 'pages/detail/detail']))
  for (const page of targets) {
    expect(appJson.pages).toContain(page)
    expect(read(page + '.js')).toMatch(/options && options\.id/)
  }
})

test('every page and component has its four files, and every used component exists', () => {
  const units = appJson.pages.concat(walk('components', '.json', []).map((f) => f.replace(/\.json$/, '')))
  for (const unit of units) {
    for (const ext of ['.js', '.json', '.wxml', '.wxss']) {
      expect(fs.existsSync(path.join(ROOT, unit + ext))).toBe(true)
    }
    const json = JSON.parse(read(unit + '.json'))
    for (const used of Object.values(json.usingComponents || {})) {
      expect(fs.existsSync(path.join(ROOT, used.replace(/^\//, '') + '.json'))).toBe(true)
    }
  }
})

test('everything tappable or typable has a label for screen readers', () => {
  const missing = []
  for (const file of walk('.', '.wxml', [])) {
    const source = read(file)
    for (const match of source.matchAll(/<([a-z][\w-]*)\b([^>]*?)\/?>/g)) {
      const [tag, attrs] = [match[1], match[2]]
      const interactive = /\bbind(tap|touchstart|longpress)=/.test(attrs) || ['input', 'textarea', 'switch', 'picker'].includes(tag)
      if (interactive && !/\baria-label=/.test(attrs)) missing.push(file + ': <' + tag + attrs.slice(0, 60) + '>')
    }
  }
  expect(missing).toEqual([])
})

test('text follows WeChat\'s font setting (rem) and is large enough to read on a small phone', () => {
  expect(read('app.wxss')).toMatch(/page \{[^}]*font-size: 1\.0625rem/) // 17px at the standard size
  const wrong = []
  for (const file of walk('.', '.wxss', [])) {
    for (const m of read(file).matchAll(/font-size:\s*([^;}]+)/g)) {
      const rem = /^([\d.]+)rem$/.exec(m[1].trim())
      if (!rem) wrong.push(file + ': ' + m[0] + ' (sizes in rem follow the font setting)')
      else if (+rem[1] < 0.75) wrong.push(file + ': ' + m[0] + ' (under 12px)')
    }
  }
  expect(wrong).toEqual([])
})

test('every page follows the font setting: <page-meta root-font-size="system"/> is its first node', () => {
  for (const page of appJson.pages) {
    const wxml = read(page + '.wxml').replace(/<!--[\s\S]*?-->/g, '').trim()
    expect({ page, first: wxml.split('\n')[0].trim() }).toEqual({ page, first: '<page-meta root-font-size="system" />' })
    expect((wxml.match(/<page-meta\b/g) || []).length).toBe(1)
  }
})

test('长辈版 reaches every page and component: the behaviour, the class on the root, the inline alert', () => {
  const components = walk('components', '.json', []).map((f) => f.replace(/\.json$/, ''))
  for (const unit of appJson.pages.concat(components)) {
    expect({ unit, behaviour: /behaviors: \[elder\.behavior\(\)\]/.test(read(unit + '.js')) }).toEqual({ unit, behaviour: true })
    const wxml = read(unit + '.wxml').replace(/<!--[\s\S]*?-->/g, '')
    const root = /<(view|label)\b[^>]*>/.exec(wxml.replace(/<page-meta[^>]*\/>/, ''))[0]
    expect({ unit, root: /\{\{elder \? 'elder'/.test(root) }).toEqual({ unit, root: true })
  }
  for (const page of appJson.pages) {
    expect({ page, alert: /<inline-alert id="inline-alert" \/>/.test(read(page + '.wxml')) }).toEqual({ page, alert: true })
  }
})

test('no dialogs or toasts of our own but in utils/notify.js, which 长辈版 turns into inline text', () => {
  const offenders = walk('.', '.js', [])
    .filter((f) => !f.startsWith('utils/notify.js') && !f.endsWith('jest.config.js'))
    .filter((f) => /wx\.(showModal|showActionSheet|showToast|showLoading)\(/.test(read(f)))
  expect(offenders).toEqual([])
})

test('every input and textarea with a placeholder names its placeholder-class (the default grey is too faint)', () => {
  const missing = []
  for (const file of walk('.', '.wxml', [])) {
    for (const match of read(file).matchAll(/<(input|textarea)\b([^>]*?)\/?>/g)) {
      if (/\bplaceholder=/.test(match[2]) && !/\bplaceholder-class="placeholder"/.test(match[2])) missing.push(file)
    }
  }
  expect(missing).toEqual([])
})

// Private interfaces (用户隐私保护指引), as WeChat lists them, and how our code calls them.
const PRIVATE = /wx\.(chooseMedia|chooseImage|chooseLocation|getLocation|setClipboardData|getClipboardData|authorize|startRecord|getRecorderManager)\(|requirePlugin\(/

test('app.json: the privacy check on, the place interface and the voice plugin declared', () => {
  expect(appJson.__usePrivacyCheck__).toBe(true)
  expect(appJson.requiredPrivateInfos).toEqual(['chooseLocation'])
  expect(appJson.plugins.WechatSI).toEqual({ version: expect.stringMatching(/^\d+\.\d+\.\d+$/), provider: 'wx069ba97219f66d99' })
  // The permission text WeChat shows before the place picker.
  expect(appJson.permission['scope.userLocation'].desc).toMatch(/[\u4e00-\u9fa5]/)
})

test('every page that can reach a private interface carries the privacy prompt', () => {
  const usedBy = (unit, seen) => {
    const js = read(unit + '.js')
    const utils = [...js.matchAll(/require\('([./]+utils\/\w+)'\)/g)].map((m) => path.join(path.dirname(unit), m[1]))
    const comps = Object.values(JSON.parse(read(unit + '.json')).usingComponents || {}).map((c) => c.replace(/^\//, ''))
    return [js].concat(utils.map((u) => read(path.normalize(u) + '.js')), comps.filter((c) => !seen.has(c) && seen.add(c)).map((c) => usedBy(c, seen)).flat())
  }
  const pagesUsing = appJson.pages.filter((page) => usedBy(page, new Set()).some((js) => PRIVATE.test(js)))
  expect(pagesUsing).toEqual(['pages/submit/submit'])
  for (const page of pagesUsing) {
    expect(read(page + '.wxml')).toMatch(/<privacy-popup id="privacy-page" \/>/)
  }
})

test('the README declares every private interface the code uses, as the privacy guide must', () => {
  const readme = read('README.md')
  const used = new Set()
  for (const file of walk('.', '.js', []).filter((f) => !f.endsWith('jest.config.js'))) {
    for (const m of read(file).matchAll(new RegExp(PRIVATE.source, 'g'))) used.add(m[1] ? 'wx.' + m[1] : 'requirePlugin')
  }
  expect([...used].sort()).toEqual(['requirePlugin', 'wx.authorize', 'wx.chooseLocation', 'wx.chooseMedia', 'wx.setClipboardData'])
  const heading = /^### .*用户隐私保护指引.*$/m.exec(readme)
  expect(heading).not.toBeNull()
  const after = readme.slice(heading.index + heading[0].length)
  const section = after.slice(0, after.search(/^### /m))
  for (const api of used) expect({ api, declared: section.includes(api === 'requirePlugin' ? 'WechatSI' : api) }).toEqual({ api, declared: true })
})

test('project.private.config.json (each developer\'s own DevTools settings) stays out of git', () => {
  const ignore = read('.gitignore').split('\n').map((l) => l.trim())
  expect(ignore).toContain('project.private.config.json')
  const { execFileSync } = require('child_process')
  let tracked = ''
  try {
    tracked = execFileSync('git', ['ls-files', '--', 'project.private.config.json'], { cwd: ROOT, encoding: 'utf8' })
  } catch (e) {
    tracked = '' // not a git checkout (an unpacked release): nothing can be tracked
  }
  expect(tracked.trim()).toBe('')
})

test('pages are built with Component() so they render in tests, and only utils/api.js does network', () => {
  for (const page of appJson.pages) {
    expect(read(page + '.js')).toMatch(/^Component\(\{/m)
  }
  const offenders = walk('.', '.js', [])
    .filter((f) => !f.startsWith('utils/api.js') && !f.endsWith('jest.config.js'))
    .filter((f) => /wx\.(request|uploadFile|downloadFile)\(/.test(read(f)))
  expect(offenders).toEqual([])
})

test('project.config.json: local development without domain checks, tests left out of the upload', () => {
  const project = JSON.parse(read('project.config.json'))
  expect(project.setting.urlCheck).toBe(false)
  const ignored = project.packOptions.ignore.map((i) => i.value)
  expect(ignored).toEqual(expect.arrayContaining(['test', 'node_modules', 'package.json']))
  expect(JSON.parse(read('sitemap.json')).rules.length).toBeGreaterThan(0)
})

test("WeChat's own compilers (wcc, wcsc from miniprogram-compiler) accept every WXML and WXSS file", () => {
  const compiler = require('miniprogram-compiler')
  expect(() => compiler.wxmlToJs(ROOT)).not.toThrow()
  expect(() => compiler.wxssToJs(ROOT)).not.toThrow()
})
