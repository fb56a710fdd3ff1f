/**
 * Rendering our pages and components with miniprogram-simulate (official WXML compiler, jsdom),
 * plus the fake server's canned answers shaped like the real server's (server/api/present.py).
 */
const path = require('path')
const { server, order } = require('./wx-mock')

const ROOT = path.resolve(__dirname, '..')

/** Render a page or component by its path under miniprogram/, attached to the document. */
function render(relPath, properties) {
  const simulate = require('miniprogram-simulate')
  const id = simulate.load(path.join(ROOT, relPath), { rootPath: ROOT })
  const comp = simulate.render(id, properties)
  comp.attach(document.createElement('parent-wrapper'))
  return comp
}

/** The mini-program's own module, the same instance the rendered pages use. */
function mod(name) {
  return require(path.join(ROOT, name))
}

/** Let fake network answers, promise chains and renders settle. */
async function settle(rounds) {
  for (let i = 0; i < (rounds || 20); i++) {
    await new Promise((resolve) => setTimeout(resolve, 0))
  }
}

/** querySelector that also crosses into child components: 'state-view >>> .state-button'. */
function find(comp, selector) {
  return selector.split('>>>').reduce((node, part) => (node ? node.querySelector(part.trim()) : null), comp)
}

function text(comp, selector) {
  const el = find(comp, selector)
  if (!el) throw new Error('nothing matches ' + selector)
  return el.dom.textContent.replace(/\s+/g, ' ').trim()
}

function allText(comp) {
  return comp.dom.textContent.replace(/\s+/g, ' ').trim()
}

/** Tap, then let the handler and what it starts settle (j-component delivers events async). */
async function tap(comp, selector, rounds) {
  const el = typeof selector === 'string' ? find(comp, selector) : selector
  if (!el) throw new Error('nothing to tap at ' + selector)
  el.dispatchEvent('tap')
  await settle(rounds)
}

/** Type into an input/textarea: what WeChat's bindinput delivers. */
async function type(comp, selector, value) {
  const el = find(comp, selector)
  if (!el) throw new Error('nothing to type into at ' + selector)
  el.dispatchEvent('input', { detail: { value } })
  await settle(2)
}

/** Fire another event (change, confirm ...) with a detail. */
async function fire(comp, selector, name, detail) {
  const el = find(comp, selector)
  if (!el) throw new Error('nothing at ' + selector)
  el.dispatchEvent(name, { detail })
  await settle(2)
}

/** Every message shown to the person, by toast or by dialog. */
function shownMessages() {
  return wx.showToast.mock.calls.map((c) => c[0].title).concat(wx.showModal.mock.calls.map((c) => c[0].content))
}

// -- canned answers ----------------------------------------------------------------------------

const TEMPLATES = {
  reply: 'sbx-reply-tmpl-4Yh2kL9qW3xN7pR5tV8zB1cD',
  new_item: 'sbx-newitem-tmpl-7Gm3nP6rS9uX2wZ5aC8eF0',
  reminder: 'sbx-remind-tmpl-2Jk5mQ8tV1yB4dG7hL0pS3',
  progress: 'sbx-progress-tmpl-5Rt8yU1iO4pA7sD0fG3hJ6',
  solved: 'sbx-solved-tmpl-9Kl2zX5cV8bN1mQ4wE7rT0y',
}

function scanAnswer(overrides) {
  return Object.assign(
    {
      kind: 'station',
      scene: 's.abcd1234',
      station: {
        id: 1,
        name: '金竹社区人大代表联络站',
        address: '金竹西路 18 号',
        reception_note: '每月逢六为代表接待日',
        reception_days: ['2026-11-16', '2026-11-26', '2026-12-06'],
        reception_rules: ['每月6日、16日、26日'],
      },
      deputy: null,
      on_duty: [{ id: 7, name: '王建国', level: '县', title: '' }],
      today: '2026-11-16',
      categories: [
        { id: 1, name: '城乡建设' },
        { id: 2, name: '交通出行' },
        { id: 3, name: '教育' },
      ],
      subscribe_templates: { reply: TEMPLATES.reply, progress: TEMPLATES.progress, solved: TEMPLATES.solved },
      limits: { content_max_chars: 2000, max_photos: 9, max_upload_bytes: 10 * 1024 * 1024 },
      scope: [
        { topic: '火灾、治安、急病等紧急情况', where: '请立即拨打 119、110、120', category: null },
        { topic: '水电气、市政设施报修等日常服务诉求', where: '请拨打 12345 政务服务便民热线', category: null },
      ],
    },
    overrides
  )
}

function summary(overrides) {
  return Object.assign(
    {
      id: 11,
      tracking_no: '26111612345678',
      status: 'received',
      status_label: '已受理',
      category: '城乡建设',
      content: '金竹西路的路灯坏了一个月了',
      station: '金竹社区人大代表联络站',
      created_at: '2026-11-16T01:05:00+00:00',
      replied: false,
      rating: null,
      due_at: null,
      colour: null,
    },
    overrides
  )
}

function detail(overrides) {
  return Object.assign(
    summary(),
    {
      photos: [{ id: 'abc', url: '/api/v1/uploads/abc?sig=xyz' }],
      location: { lat: 26.5, lng: 106.7, address: '金竹西路 18 号附近' },
      contact_phone: '138****1234',
      anonymous: false,
      deputy: { name: '王建国', level: '县' },
      rating_comment: null,
      can_rate: false,
      can_follow_up: true,
      thread: [
        { kind: 'event', author: '系统', content: '已受理', created_at: '2026-11-16T01:05:00+00:00' },
        { kind: 'event', author: '系统', content: '已交代表办理', created_at: '2026-11-16T01:06:00+00:00' },
      ],
      timeline: [],
      stage: null,
      merged_into: null,
      merged: [],
      revisit: null,
    },
    overrides
  )
}

/** The server's sign-in route: every call a new token. */
function acceptLogin(role, deputy) {
  let n = 0
  server.on('POST', '/auth/wechat', () => {
    n += 1
    return { statusCode: 200, data: { token: 'token-' + n, role: role || 'citizen', deputy: deputy || null } }
  })
}

function error(statusCode, code, message, fields) {
  const body = { code, message }
  if (fields) body.fields = fields
  return { statusCode, data: { error: body } }
}

module.exports = {
  ROOT,
  server,
  order,
  render,
  mod,
  settle,
  find,
  text,
  allText,
  tap,
  type,
  fire,
  shownMessages,
  TEMPLATES,
  scanAnswer,
  summary,
  detail,
  acceptLogin,
  error,
}
