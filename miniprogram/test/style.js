/**
 * Sizes and colours of a rendered page as WeChat would draw them, computed from the compiled
 * wxss: the same class prefixing miniprogram-simulate applies when it renders (app.wxss for
 * pages, each component's own file for its subtree), at the 375-px-wide reference screen
 * (1rpx = 0.5px) and WeChat's standard font size (1rem = 16px; every page follows the
 * person's font setting with <page-meta root-font-size="system"/>, so a larger setting only
 * makes things larger). WeChat's own defaults for its built-in components are written out in
 * BUILT_IN below. jsdom lays nothing out, so box sizes are estimated: one line of text per
 * element, blocks stacked, flex rows side by side — enough to hold minimum sizes.
 */
const fs = require('fs')
const path = require('path')
const { ROOT } = require('./helpers')

const SCREEN_WIDTH = 375
// WeChat's standard font size. Every text size is in rem (test/structure.test.js), so a
// person's larger setting scales them all; atRootFont() measures at such a setting.
const STANDARD_ROOT_FONT_PX = 16
let ROOT_FONT_PX = STANDARD_ROOT_FONT_PX
// WeChat's defaults for its components (the base library's own stylesheet), as far as used.
const BUILT_IN = {
  'wx-view': { display: 'block' },
  'wx-text': { display: 'inline' },
  'wx-label': { display: 'inline' },
  'wx-button': { display: 'block', 'font-size': '18px', 'line-height': '2.55555556', 'padding-left': '14px', 'padding-right': '14px', 'background-color': '#f8f8f8', color: '#000' },
  'wx-input': { display: 'block', height: '1.4rem', 'min-height': '1.4rem' },
  'wx-textarea': { display: 'block', width: '300px', height: '150px' },
  'wx-picker': { display: 'block' },
  'wx-switch': { display: 'inline-block', width: '52px', height: '32px' },
  'wx-image': { display: 'inline-block', width: '320px', height: '240px' },
  'wx-progress': { display: 'block' },
}
// WeChat's placeholder grey, when an input names no placeholder-class.
const DEFAULT_PLACEHOLDER = '#808080'
const WHITE = { r: 255, g: 255, b: 255, a: 1 }
const BLACK = { r: 0, g: 0, b: 0, a: 1 }

// -- stylesheets ----------------------------------------------------------------------------

const read = (rel) => fs.readFileSync(path.join(ROOT, rel), 'utf8')

function compile(css, prefix) {
  const wxss = require('miniprogram-simulate/src/wxss')
  return wxss.compile(css, { prefix })
}

/** The units of a page or component: [{prefix, css}], app.wxss first for a page. */
function units(relPath, isPage) {
  const out = [{ prefix: 'main', css: (isPage ? read('app.wxss') : '') + read(relPath + '.wxss') }]
  const seen = {}
  const walk = (unit) => {
    const json = JSON.parse(read(unit + '.json'))
    for (const [tag, used] of Object.entries(json.usingComponents || {})) {
      const rel = used.replace(/^\//, '')
      if (seen[tag]) continue
      seen[tag] = true
      out.push({ prefix: tag, css: read(rel + '.wxss') })
      walk(rel)
    }
  }
  walk(relPath)
  return out
}

/** Minified CSS into rules {selectors: [{text, specificity}], decls: {prop: {value, important}}}. */
function parse(css) {
  const rules = []
  let i = 0
  while (i < css.length) {
    const open = css.indexOf('{', i)
    if (open < 0) break
    const head = css.slice(i, open).trim()
    if (head.startsWith('@')) {
      // @keyframes and the like: skip the whole nested block.
      let depth = 1
      let j = open + 1
      while (depth && j < css.length) {
        if (css[j] === '{') depth++
        else if (css[j] === '}') depth--
        j++
      }
      i = j
      continue
    }
    const close = css.indexOf('}', open)
    const decls = {}
    for (const part of css.slice(open + 1, close).split(';')) {
      const colon = part.indexOf(':')
      if (colon < 0) continue
      const prop = part.slice(0, colon).trim()
      let value = part.slice(colon + 1).trim()
      const important = /!important$/.test(value)
      value = value.replace(/\s*!important$/, '')
      expand(prop, value).forEach(([p, v]) => (decls[p] = { value: v, important }))
    }
    const selectors = head.split(',').map((text) => ({ text: wxTags(text.trim()), specificity: specificity(text) }))
    rules.push({ selectors, decls, source: head })
    i = close + 1
  }
  return rules
}

/** Tag selectors as rendered: button -> wx-button; page stays page (the root). */
function wxTags(selector) {
  return selector.replace(/(^|[\s>+~])([a-z][a-z0-9-]*)/g, (m, before, tag) => before + (tag === 'page' ? 'page' : 'wx-' + tag))
}

function specificity(selector) {
  const ids = (selector.match(/#[\w-]+/g) || []).length
  const classes = (selector.match(/\.[\w-]+|\[[^\]]*\]|:(?!:)[\w-]+/g) || []).length
  const tags = (selector.match(/(^|[\s>+~])[a-z][\w-]*/g) || []).length
  return ids * 10000 + classes * 100 + tags
}

function boxSides(value) {
  const v = value.split(/\s+/)
  const [top, right, bottom, left] = [v[0], v[1] || v[0], v[2] || v[0], v[3] || v[1] || v[0]]
  return { top, right, bottom, left }
}

/** Shorthands into the longhands this module reads. */
function expand(prop, value) {
  if (prop === 'padding') {
    const s = boxSides(value)
    return [['padding-top', s.top], ['padding-right', s.right], ['padding-bottom', s.bottom], ['padding-left', s.left]]
  }
  if (prop === 'background') {
    // The shorthand without a colour (csso writes `transparent` as `0 0`) means transparent.
    const color = (value.match(/#[0-9a-f]{3,8}\b|rgba?\([^)]*\)|\bwhite\b|\bblack\b/i) || ['transparent'])[0]
    return [['background-color', color]]
  }
  if (prop === 'flex') {
    const grow = value === 'none' ? '0' : value === 'auto' ? '1' : value.split(/\s+/)[0]
    return [['flex-grow', grow]]
  }
  return [[prop, value]]
}

// -- values ---------------------------------------------------------------------------------

/** A length in CSS px at the reference screen; null for auto, none or what we cannot tell. */
function px(value, fontSize, basis) {
  const m = /^(-?[\d.]+)(rpx|px|rem|em|%|vh|vw)?$/.exec(String(value || '').trim())
  if (!m) return null
  const n = parseFloat(m[1])
  switch (m[2]) {
    case 'rpx':
      return (n * SCREEN_WIDTH) / 750
    case 'rem':
      return n * ROOT_FONT_PX
    case 'em':
      return n * fontSize
    case '%':
      return basis == null ? null : (n * basis) / 100
    case 'vh':
    case 'vw':
      return null
    case 'px':
      return n
    default:
      return n === 0 ? 0 : null
  }
}

function parseColor(value) {
  const v = String(value || '').trim().toLowerCase()
  if (!v || v === 'transparent') return null
  let m = /^#([0-9a-f]{3,8})$/.exec(v)
  if (m) {
    let hex = m[1]
    if (hex.length === 3 || hex.length === 4) hex = hex.split('').map((c) => c + c).join('')
    const a = hex.length === 8 ? parseInt(hex.slice(6, 8), 16) / 255 : 1
    return { r: parseInt(hex.slice(0, 2), 16), g: parseInt(hex.slice(2, 4), 16), b: parseInt(hex.slice(4, 6), 16), a }
  }
  m = /^rgba?\(([^)]*)\)$/.exec(v)
  if (m) {
    const [r, g, b, a] = m[1].split(',').map((x) => parseFloat(x))
    return { r, g, b, a: a === undefined || isNaN(a) ? 1 : a }
  }
  if (v === 'white' || v === '#fff') return { r: 255, g: 255, b: 255, a: 1 }
  if (v === 'black') return { r: 0, g: 0, b: 0, a: 1 }
  throw new Error('a colour this test does not read: ' + value)
}

function hex(c) {
  const h = (n) => Math.round(n).toString(16).padStart(2, '0')
  return '#' + h(c.r) + h(c.g) + h(c.b)
}

function over(top, bottom) {
  const a = top.a
  return { r: top.r * a + bottom.r * (1 - a), g: top.g * a + bottom.g * (1 - a), b: top.b * a + bottom.b * (1 - a), a: 1 }
}

/** WCAG 2.x contrast ratio of two opaque colours. */
function contrast(a, b) {
  const lum = (c) => {
    const lin = (v) => {
      const s = v / 255
      return s <= 0.03928 ? s / 12.92 : Math.pow((s + 0.055) / 1.055, 2.4)
    }
    return 0.2126 * lin(c.r) + 0.7152 * lin(c.g) + 0.0722 * lin(c.b)
  }
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x)
  return (hi + 0.05) / (lo + 0.05)
}

// -- the cascade ----------------------------------------------------------------------------

function vtOf(el) {
  return (el.__wxElement && el.__wxElement._vt) || null
}

function attr(el, name) {
  const vt = vtOf(el)
  const found = vt && vt.attrs.find((a) => a.name === name)
  return found ? found.value : undefined
}

/**
 * Style a rendered page or component: returns {elements: Map(el -> style), root, rules}.
 * relPath: 'pages/entry/entry' or 'components/rating/rating'.
 */
function styleOf(comp, relPath) {
  const isPage = relPath.startsWith('pages/')
  const rules = []
  let order = 0
  const rootDecls = {}
  let pageRule = null
  for (const unit of units(relPath, isPage)) {
    for (const rule of parse(compile(unit.css, unit.prefix))) {
      rule.order = order++
      rule.prefix = unit.prefix
      if (rule.selectors.length === 1 && rule.selectors[0].text === 'page') {
        Object.assign(rootDecls, rule.decls)
        pageRule = rule
      } else rules.push(rule)
    }
  }
  const root = comp.dom
  const styles = new Map()
  // [disabled] selectors: mirror the attribute j-component keeps off the DOM, for matching only.
  const mirrored = []
  root.querySelectorAll('*').forEach((el) => {
    if (attr(el, 'disabled') === true && !el.hasAttribute('disabled')) {
      el.setAttribute('disabled', '')
      mirrored.push(el)
    }
  })
  const rootStyle = {
    'font-size': px((rootDecls['font-size'] || {}).value, ROOT_FONT_PX) || ROOT_FONT_PX,
    'line-height': lineHeight((rootDecls['line-height'] || {}).value || 'normal', ROOT_FONT_PX, ROOT_FONT_PX),
    color: (rootDecls.color || {}).value || '#000',
    'background-color': (rootDecls['background-color'] || {}).value || '#fff',
    display: 'block',
    colorFrom: rootDecls.color ? pageRule : null,
  }
  styles.set(root, Object.assign({ declared: {}, host: false, position: 'static' }, rootStyle))
  const visit = (el, parentStyle) => {
    const declared = Object.assign({}, BUILT_IN[el.tagName.toLowerCase()] || {})
    const matched = []
    for (const rule of rules) {
      for (const sel of rule.selectors) {
        let hit = false
        try {
          hit = el.matches(sel.text)
        } catch (e) {
          hit = false
        }
        if (hit) matched.push({ rule, specificity: sel.specificity })
      }
    }
    matched.sort((a, b) => a.specificity - b.specificity || a.rule.order - b.rule.order)
    const important = {}
    const from = {} // which rule gave each property, for the tests' coverage of the wxss
    for (const { rule } of matched) {
      for (const [prop, d] of Object.entries(rule.decls)) {
        if (important[prop] && !d.important) continue
        declared[prop] = d.value
        from[prop] = rule
        if (d.important) important[prop] = true
      }
    }
    const host = !el.tagName.startsWith('WX-') // a custom component's host element
    const style = { declared, from, host }
    const fontSize = 'font-size' in declared ? px(declared['font-size'], parentStyle['font-size']) : parentStyle['font-size']
    style['font-size'] = fontSize
    style['line-height'] = 'line-height' in declared ? lineHeight(declared['line-height'], fontSize) : parentStyle['line-height']
    style.color = declared.color || parentStyle.color
    style.colorFrom = from.color || parentStyle.colorFrom || null
    style['background-color'] = declared['background-color'] || null
    style.display = host ? 'contents' : declared.display || 'block'
    style.position = declared.position || 'static'
    styles.set(el, style)
    for (const child of el.children) visit(child, style)
  }
  for (const child of root.children) visit(child, styles.get(root))
  mirrored.forEach((el) => el.removeAttribute('disabled'))
  return { root, styles, rules }
}

/** line-height as a factor of the font size, or as px; returned as {factor} or {px}. */
function lineHeight(value, fontSize) {
  if (value === 'normal') return { factor: 1.2 }
  if (/^[\d.]+$/.test(value)) return { factor: parseFloat(value) }
  const v = px(value, fontSize)
  return v == null ? { factor: 1.2 } : { px: v }
}

function lineHeightPx(style) {
  const lh = style['line-height']
  return lh.px != null ? lh.px : lh.factor * style['font-size']
}

// -- boxes ----------------------------------------------------------------------------------

function ownText(el) {
  let text = ''
  el.childNodes.forEach((n) => {
    if (n.nodeType === 3) text += n.textContent
  })
  return text.replace(/\s+/g, ' ').trim()
}

/** Rough width of a line of text: CJK and symbols a full em, ASCII about half. */
function textWidth(text, fontSize) {
  let w = 0
  for (const ch of text) w += /[\u0000-\u00ff]/.test(ch) ? 0.55 : 1
  return w * fontSize
}

function side(style, prop) {
  return px(style.declared[prop] || 0, style['font-size']) || 0
}

function layoutParent(el, styles) {
  let p = el.parentElement
  while (p && styles.has(p) && styles.get(p).display === 'contents') p = p.parentElement
  return p && styles.has(p) ? p : null
}

function isFlexRow(style) {
  return /flex/.test(style.display) && !/column/.test(style.declared['flex-direction'] || '')
}

function flowChildren(el, styles) {
  const out = []
  for (const child of el.children) {
    const s = styles.get(child)
    if (!s) continue
    if (s.display === 'contents') out.push(...flowChildren(child, styles))
    else if (s.display !== 'none' && !/absolute|fixed/.test(s.position)) out.push(child)
  }
  return out
}

function padX(style) {
  return side(style, 'padding-left') + side(style, 'padding-right')
}

function positioned(style) {
  return /absolute|fixed/.test(style.position)
}

/** The width its content asks for, on one line. */
function intrinsicWidth(el, styles) {
  const style = styles.get(el)
  const own = px(style.declared.width, style['font-size'], null)
  if (own != null) return own
  const kids = flowChildren(el, styles).map((k) => intrinsicWidth(k, styles))
  const content = textWidth(ownText(el), style['font-size']) + (isFlexRow(style) ? kids.reduce((a, b) => a + b, 0) : Math.max(0, ...kids))
  return Math.max(content + padX(style), px(style.declared['min-width'], style['font-size'], null) || 0)
}

/** Estimated border-box width in px: from the screen's width down through the parents. */
function widthOf(el, styles, cache) {
  const key = 'w'
  if (cache.has(el) && key in cache.get(el)) return cache.get(el)[key]
  const style = styles.get(el)
  const parent = layoutParent(el, styles)
  const parentStyle = parent ? styles.get(parent) : null
  const parentInner = parent ? widthOf(parent, styles, cache) - padX(parentStyle) : SCREEN_WIDTH
  const d = style.declared
  const blockLevel = /block|flex/.test(style.display) && !/inline/.test(style.display)
  const inFlexRow = parentStyle && isFlexRow(parentStyle) && !positioned(style)
  let width = px(d.width, style['font-size'], parentInner)
  if (width == null) {
    if (inFlexRow && parseFloat(d['flex-grow'] || 0) >= 1) {
      const siblings = flowChildren(parent, styles)
      const growing = siblings.filter((s) => parseFloat(styles.get(s).declared['flex-grow'] || 0) >= 1)
      const fixed = siblings.filter((s) => growing.indexOf(s) < 0).reduce((a, s) => a + intrinsicWidth(s, styles), 0)
      width = Math.max(0, parentInner - fixed) / growing.length
    } else if (blockLevel && !inFlexRow && !positioned(style)) {
      width = parentInner
    } else {
      width = Math.min(intrinsicWidth(el, styles), parentInner)
    }
  }
  width = Math.max(width, px(d['min-width'], style['font-size'], parentInner) || 0)
  cache.set(el, Object.assign(cache.get(el) || {}, { [key]: width }))
  return width
}

/** Estimated border-box height in px: one line of its own text, children stacked or in a row. */
function heightOf(el, styles, cache) {
  const key = 'h'
  if (cache.has(el) && key in cache.get(el)) return cache.get(el)[key]
  const style = styles.get(el)
  const d = style.declared
  let height = px(d.height, style['font-size'], null)
  if (height == null) {
    const own = ownText(el) ? lineHeightPx(style) : 0
    const kids = flowChildren(el, styles).map((k) => heightOf(k, styles, cache))
    const content = isFlexRow(style) ? Math.max(own, 0, ...kids) : own + kids.reduce((a, b) => a + b, 0)
    height = content + side(style, 'padding-top') + side(style, 'padding-bottom')
  }
  height = Math.max(height, px(d['min-height'], style['font-size'], null) || 0)
  cache.set(el, Object.assign(cache.get(el) || {}, { [key]: height }))
  return height
}

function box(el, styles, cache) {
  return { width: widthOf(el, styles, cache), height: heightOf(el, styles, cache) }
}

// -- what a test asks -----------------------------------------------------------------------

const CONTROLS = ['wx-button', 'wx-input', 'wx-textarea', 'wx-switch', 'wx-picker']
const TAP_EVENTS = ['tap', 'touchstart', 'longpress', 'change', 'input', 'agreeprivacyauthorization']

function isInteractive(el) {
  const tag = el.tagName.toLowerCase()
  if (CONTROLS.includes(tag)) return true
  const vt = vtOf(el)
  return !!(vt && Object.keys(vt.event || {}).some((e) => TAP_EVENTS.includes(e)))
}

function describe(el) {
  const id = attr(el, 'id')
  return el.tagName.toLowerCase() + (id ? '#' + id : '') + (el.className ? '.' + String(el.className).split(/\s+/).join('.') : '')
}

/** Every run of visible text: {el, text, fontSize, lineHeight (factor), color, background}. */
function textRuns(styled) {
  const { root, styles } = styled
  const runs = []
  root.querySelectorAll('*').forEach((el) => {
    const style = styles.get(el)
    if (!style || style.host) return
    const text = ownText(el)
    const placeholder = attr(el, 'placeholder')
    const value = attr(el, 'value')
    if (text) runs.push(run(el, text, style.color))
    if (placeholder && !value) {
      const cls = attr(el, 'placeholderClass')
      runs.push(run(el, placeholder, cls ? placeholderColor(styled, el, cls) : DEFAULT_PLACEHOLDER, 'placeholder'))
    }
  })
  function run(el, text, color, kind) {
    const style = styles.get(el)
    return {
      el,
      what: describe(el) + (kind ? ' (' + kind + ')' : ''),
      text,
      fontSize: style['font-size'],
      lineHeight: lineHeightPx(style) / style['font-size'],
      color: parseColor(color),
      colorFrom: kind ? null : style.colorFrom,
      backgrounds: backgroundsBehind(el, styles),
    }
  }
  return runs
}

/** placeholder-class names a class of the unit the input belongs to. */
function placeholderColor(styled, el, cls) {
  const prefix = String(el.className).split(/\s+/)[0].split('--')[0] || 'main'
  const rule = styled.rules.find((r) => r.selectors.some((s) => s.text === '.' + prefix + '--' + cls) && r.decls.color)
  return rule ? rule.decls.color.value : DEFAULT_PLACEHOLDER
}

/**
 * The opaque colour(s) text may stand on: the nearest background, translucent ones laid over
 * what lies beneath — both white and black when that may be a photo, the worse counting.
 */
function backgroundsBehind(el, styles) {
  const layers = []
  for (let node = el; node; node = node.parentElement) {
    const s = styles.get(node)
    if (!s) break
    const c = s['background-color'] && parseColor(s['background-color'])
    if (c && c.a > 0) {
      layers.push(c)
      if (c.a >= 1) break
    }
  }
  const opaque = layers.length && layers[layers.length - 1].a >= 1 ? layers.pop() : null
  // Translucent bands are only used over photos here: what shows through may be any colour.
  const under = layers.length || !opaque ? [WHITE, BLACK] : [opaque]
  return under.map((base) => layers.reduceRight((acc, layer) => over(layer, acc), base))
}

/** Every tap target: {el, what, width, height}; a control inside a label counts as the label. */
function tapTargets(styled) {
  const { root, styles } = styled
  const cache = new Map()
  const out = []
  root.querySelectorAll('*').forEach((el) => {
    if (!styles.has(el) || !isInteractive(el)) return
    let target = el
    if (el.tagName === 'WX-PICKER') target = flowChildren(el, styles)[0] || el // it draws its child
    const label = el.closest('wx-label')
    const a = box(target, styles, cache)
    const b = label ? box(label, styles, cache) : { width: 0, height: 0 }
    out.push({ el, what: describe(el), width: Math.max(a.width, b.width), height: Math.max(a.height, b.height) })
  })
  return out
}

/**
 * Run measure() as if 1rem were rootPx (the person's WeChat font size, fontSizeSetting, which
 * <page-meta root-font-size="system"/> hands to the page), then go back to the standard size.
 */
function atRootFont(rootPx, measure) {
  ROOT_FONT_PX = rootPx
  try {
    return measure()
  } finally {
    ROOT_FONT_PX = STANDARD_ROOT_FONT_PX
  }
}

module.exports = { styleOf, textRuns, tapTargets, contrast, parseColor, hex, parse, compile, px, atRootFont, STANDARD_ROOT_FONT_PX }
