#!/usr/bin/env node
/**
 * The mini-program's own modules (utils/api.js, scene.js, form.js, subscribe.js, store.js)
 * against the real server and the WeChat sandbox, one phone per phase. Driven by
 * tests/test_miniprogram_contract.py, which runs the RQ worker between phases:
 *
 *   node run.js deputy-bind     the deputy's phone: login, bind (scanned invite URL), consent
 *   node run.js citizen-submit  the citizen's phone: scan, consent, upload, submit (with a lost
 *                               answer and a retry), list, detail, photo
 *   (worker: route, notify the deputy)
 *   node run.js deputy-reply    the new-item notice arrived; inbox, item, reply
 *   (worker: notify the citizen)
 *   node run.js citizen-check   token renewal; the reply is in the thread and in WeChat;
 *                               follow-up; rating
 *
 * Environment: LZ_API_URL, LZ_SANDBOX_URL, LZ_STATION_SCENE, LZ_DEPUTY_SCENE, LZ_INVITE_CODE,
 * LZ_DEPUTY_NAME, LZ_TEMPLATE_REPLY, LZ_TEMPLATE_NEW_ITEM, LZ_TEMPLATE_REMINDER, LZ_STATE (a
 * JSON file carrying each phone's openid and storage between phases). Exit 0 when every check
 * holds; otherwise the failed check is printed and the exit code is 1.
 */
const fs = require('fs')
const os = require('os')
const path = require('path')
const zlib = require('zlib')
const { createWx } = require('./wx-node')

const ROOT = path.resolve(__dirname, '../..')
const env = (name, fallback) => {
  const value = process.env[name]
  if (value === undefined || value === '') {
    if (fallback !== undefined) return fallback
    throw new Error('missing environment variable ' + name)
  }
  return value
}

// -- tiny test vocabulary --------------------------------------------------------------------

let step = ''
function check(condition, what, detail) {
  if (!condition) {
    const extra = detail === undefined ? '' : '\n    got: ' + JSON.stringify(detail, null, 1).slice(0, 2000)
    throw new Error(what + extra)
  }
}
function ok(what) {
  console.log('ok - ' + step + ': ' + what)
}
async function expectError(promise, status, code) {
  try {
    await promise
  } catch (err) {
    check(err.name === 'ApiError', 'an ApiError', err.stack)
    check(err.status === status && (!code || err.code === code), 'error ' + status + ' ' + (code || ''), {
      status: err.status,
      code: err.code,
      message: err.message,
    })
    return err
  }
  throw new Error('expected an error ' + status + ' ' + (code || ''))
}

// -- state between phases ----------------------------------------------------------------------

function loadState() {
  const file = env('LZ_STATE')
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : { phones: {} }
}
function saveState(state) {
  fs.writeFileSync(env('LZ_STATE'), JSON.stringify(state, null, 2))
}

/** One phone: the sandbox user, a wx shim, and fresh copies of the mini-program's modules. */
async function phone(state, name, nickname) {
  const sandboxUrl = env('LZ_SANDBOX_URL')
  let saved = state.phones[name]
  if (!saved) {
    const res = await fetch(sandboxUrl + '/sandbox/users', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ nickname }),
    })
    check(res.ok, 'sandbox user created', res.status)
    saved = { openid: (await res.json()).openid, storage: {} }
    state.phones[name] = saved
  }
  // The server's template ids, as the mini-program stores them after a scan (store.js).
  saved.storage['lz.templates'] = {
    reply: env('LZ_TEMPLATE_REPLY'),
    new_item: env('LZ_TEMPLATE_NEW_ITEM'),
    reminder: env('LZ_TEMPLATE_REMINDER'),
  }
  const shim = createWx({ sandboxUrl, openid: saved.openid, storage: saved.storage })
  global.wx = shim.wx
  for (const key of Object.keys(require.cache)) {
    if (key.startsWith(ROOT + path.sep) && key.indexOf(path.sep + 'node_modules' + path.sep) < 0 &&
        key.indexOf(path.sep + 'test' + path.sep) < 0) {
      delete require.cache[key]
    }
  }
  const api = require(path.join(ROOT, 'utils/api'))
  // sandbox: null: this shim plays WeChat itself (wx.login, requestSubscribeMessage), so the
  // production path runs; the 'devtools' phase checks the develop-only sandbox path.
  api.configure({ baseUrl: env('LZ_API_URL'), retryDelays: [50, 150], timeout: 20000, sandbox: null })
  return {
    shim,
    api,
    openid: saved.openid,
    scene: require(path.join(ROOT, 'utils/scene')),
    form: require(path.join(ROOT, 'utils/form')),
    subscribe: require(path.join(ROOT, 'utils/subscribe')),
    store: require(path.join(ROOT, 'utils/store')),
  }
}

async function sent(openid) {
  const res = await fetch(env('LZ_SANDBOX_URL') + '/sandbox/sent?openid=' + encodeURIComponent(openid))
  return (await res.json()).sent
}

/** A real PNG (8x8, red) made here, so the test carries no binary file. */
function writePng() {
  const crcTable = []
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    crcTable[n] = c >>> 0
  }
  const crc = (buf) => {
    let c = 0xffffffff
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8)
    return (c ^ 0xffffffff) >>> 0
  }
  const chunk = (type, data) => {
    const len = Buffer.alloc(4)
    len.writeUInt32BE(data.length)
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data])
    const sum = Buffer.alloc(4)
    sum.writeUInt32BE(crc(body))
    return Buffer.concat([len, body, sum])
  }
  const size = 8
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(size, 0)
  ihdr.writeUInt32BE(size, 4)
  ihdr[8] = 8 // bit depth
  ihdr[9] = 2 // RGB
  const rows = []
  for (let y = 0; y < size; y++) {
    rows.push(Buffer.from([0]))
    for (let x = 0; x < size; x++) rows.push(Buffer.from([200, 30, 30]))
  }
  const png = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ])
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lz-photo-')), 'pothole.png')
  fs.writeFileSync(file, png)
  return file
}

const CONTENT = '金竹西路的路灯坏了一个月了，晚上走路很不安全，请尽快修好。'
const REPLY = '已联系街道城管科，路灯本周内修好，修好后请您再看看。谢谢您的反映！'

// -- phases ------------------------------------------------------------------------------------

const phases = {
  async 'deputy-bind'(state) {
    step = 'deputy-bind'
    const p = await phone(state, 'deputy', '王代表')
    const { api, scene, subscribe, store } = p
    // The dashboard's invite QR may carry a URL; the bind page reads the code out of it.
    const scanned = env('LZ_API_URL') + '/admin/invite?code=' + env('LZ_INVITE_CODE').toLowerCase()
    const code = scene.inviteFromText(scanned)
    check(code === env('LZ_INVITE_CODE').toUpperCase(), 'invite code read from a scanned URL', code)
    await expectError(api.bindDeputy('NOPE2345'), 404, 'invite_not_found')
    ok('an unknown invite code is refused with the server message as is')
    const answer = await api.bindDeputy(code)
    check(answer.role === 'deputy' && answer.deputy.name === env('LZ_DEPUTY_NAME'), 'bound as the deputy', answer)
    check(p.shim.counters.login === 1, 'signed in once, on demand', p.shim.counters)
    const session = api.session()
    check(session.isDeputy && session.deputy.name === env('LZ_DEPUTY_NAME'), 'role kept in storage', session)
    ok('bound with the invite code; role and token stored')

    const templates = store.templates()
    const accepted = await subscribe.requestSubscribe([templates.new_item, templates.reminder])
    check(accepted.length === 2, 'both deputy templates accepted', accepted)
    const credits = await api.reportSubscriptions(accepted)
    check(credits.credits && Object.keys(credits.credits).length >= 1, 'consent recorded', credits)
    ok('new-item and reminder notices allowed and reported')

    const inbox = await api.inbox('awaiting')
    check(inbox.items.length === 0 && inbox.counts.awaiting === 0, 'empty inbox', inbox)
    ok('inbox is empty before anything is routed')
  },

  async 'citizen-submit'(state) {
    step = 'citizen-submit'
    const p = await phone(state, 'citizen', '张大爷')
    const { api, scene, form, subscribe, shim } = p

    const unknown = await expectError(api.scan('s.nosuch99'), 404, 'not_found')
    check(unknown.message === '二维码无效或已停用，请联系联络站工作人员', 'server message as is', unknown.message)
    ok('an unknown code shows the server message')

    // A plain QR: WeChat hands over the URL-encoded URL as options.q.
    const stationScene = env('LZ_STATION_SCENE')
    const q = encodeURIComponent(env('LZ_API_URL') + '/q/' + stationScene)
    check(scene.sceneFromOptions({ q }) === stationScene, 'scene from options.q', scene.sceneFromOptions({ q }))
    // A mini-program code: options.scene, URL-encoded.
    check(scene.sceneFromOptions({ scene: encodeURIComponent(stationScene) }) === stationScene, 'scene from options.scene')
    const info = await api.scan(stationScene)
    check(info.kind === 'station' && info.station && info.station.name, 'a station', info)
    check(info.on_duty.some((d) => d.name === env('LZ_DEPUTY_NAME')), 'the deputy is on duty today', info.on_duty)
    check(Array.isArray(info.station.reception_days), 'reception days', info.station)
    check(info.limits.content_max_chars > 0 && info.limits.max_photos > 0 && info.limits.max_upload_bytes > 0, 'limits', info.limits)
    check(info.subscribe_templates.reply === env('LZ_TEMPLATE_REPLY'), 'reply template', info.subscribe_templates)
    check(info.categories.length > 0, 'categories', info.categories)
    const deputyInfo = await api.scan(scene.sceneFromOptions({ scene: env('LZ_DEPUTY_SCENE') }))
    check(deputyInfo.kind === 'deputy' && deputyInfo.deputy.name === env('LZ_DEPUTY_NAME'), 'a deputy code', deputyInfo)
    check(shim.counters.login === 0, 'scanning needs no sign-in', shim.counters)
    ok('station and deputy codes open with on-duty deputies, days, limits and templates')

    const limits = form.limitsFrom(info)
    const category = info.categories.find((c) => c.name === '城乡建设') || info.categories[0]

    // Photo: progress reported, the answer an upload id.
    const progress = []
    const photo = await api.upload(writePng(), { onProgress: (value) => progress.push(value) })
    check(typeof photo.upload_id === 'string' && photo.upload_id.length > 0, 'upload id', photo)
    check(progress.length > 0 && progress[progress.length - 1] === 100, 'upload progress', progress)
    check(shim.counters.login === 1, 'signed in for the upload', shim.counters)
    ok('photo uploaded (multipart field "file") with progress')

    // A form the server refuses: its Chinese message and field errors come back as they are.
    const bad = await expectError(
      api.submitMessage({ scene: stationScene, category: category.id, content: '   ' }, api.newIdempotencyKey()),
      422,
      'validation_error'
    )
    check(bad.fields && bad.fields.content === '请填写反映内容', 'field error for content', bad.fields)
    check(Object.keys(form.validate({ category, content: '   ', photos: [] }, limits)).indexOf('content') >= 0,
      'the form catches the same error before sending')
    ok('validation errors come back with fields, in Chinese')

    // The submit tap: consent first, then the body the form builds, with one key per form.
    const accepted = await subscribe.requestSubscribe([info.subscribe_templates.reply])
    check(accepted.length === 1 && accepted[0] === env('LZ_TEMPLATE_REPLY'), 'reply notice allowed', accepted)
    const entries = { category, content: CONTENT, photos: [{ status: 'done', uploadId: photo.upload_id }],
      location: { lat: 26.58, lng: 106.71, address: '金竹西路 18 号附近' }, phone: '13800001234', anonymous: false }
    check(Object.keys(form.validate(entries, limits)).length === 0, 'the form is valid', form.validate(entries, limits))
    const body = form.buildBody(entries, stationScene, accepted)
    const key = api.newIdempotencyKey()
    check(/^[A-Za-z0-9_-]{8,64}$/.test(key), 'key format the server accepts', key)
    // The answer is lost on the way back: the server stored the message, the phone saw a
    // network failure and retries with the same key.
    shim.loseNextResponse('POST', '/api/v1/messages')
    const before = shim.log.length
    const created = await api.submitMessage(body, key)
    check(created.id && /^\d{14}$/.test(created.tracking_no) && created.status === 'received', 'created', created)
    const sends = shim.log.slice(before).filter((l) => l.startsWith('POST /api/v1/messages'))
    check(sends.length === 2 && /\[lose\]$/.test(sends[0]), 'sent, answer lost, sent again', shim.log)
    const again = await api.submitMessage(body, key)
    check(again.id === created.id && again.tracking_no === created.tracking_no, 'the same message again', again)
    ok('submitted; a lost answer and a retry with the same Idempotency-Key made one message')

    const list = await api.listMessages()
    check(list.total === 1 && list.items.length === 1, 'exactly one message', list)
    const item = list.items[0]
    check(item.id === created.id && item.status === 'received' && item.status_label === '已受理', 'list row', item)
    ok('我的反映 lists it with status and status_label')

    const detail = await api.getMessage(created.id)
    check(detail.content === CONTENT && detail.tracking_no === created.tracking_no, 'detail content', detail)
    check(detail.photos.length === 1 && detail.photos[0].url.indexOf('/api/v1/uploads/') === 0, 'relative photo url', detail.photos)
    check(detail.location && detail.location.address === '金竹西路 18 号附近', 'location', detail.location)
    check(detail.contact_phone && detail.contact_phone !== '13800001234', 'phone masked', detail.contact_phone)
    check(Array.isArray(detail.thread) && detail.thread.some((t) => t.kind === 'event'), 'thread with events', detail.thread)
    check(detail.can_rate === false && detail.can_follow_up === true, 'flags', detail)
    const image = await fetch(api.absoluteUrl(detail.photos[0].url))
    check(image.ok && /^image\//.test(image.headers.get('content-type')), 'photo served', image.status)
    ok('detail shows content, photo (absolute URL loads), place, masked phone and thread')

    state.message = { id: created.id, tracking_no: created.tracking_no }
  },

  async 'deputy-reply'(state) {
    step = 'deputy-reply'
    const p = await phone(state, 'deputy')
    const { api } = p
    const id = state.message.id
    const notices = await sent(p.openid)
    check(notices.length === 1 && notices[0].template_id === env('LZ_TEMPLATE_NEW_ITEM'), 'new-item notice', notices)
    check(notices[0].page === 'pages/deputy/item/item?id=' + id, 'notice opens the item page', notices[0].page)
    ok('the deputy got the new-item notice, tapping through to pages/deputy/item/item')

    const inbox = await api.inbox('awaiting')
    check(inbox.items.length === 1 && inbox.items[0].id === id, 'in the inbox', inbox)
    check(inbox.counts.awaiting === 1 && inbox.counts.routed === 1, 'counts by status', inbox.counts)
    check(p.shim.counters.login === 0, 'the stored token was reused', p.shim.counters)
    const all = await api.inbox('')
    check(all.total === 1, 'all tab', all)
    ok('inbox with counts by status')

    const item = await api.deputyMessage(id)
    check(item.content === CONTENT && item.photos.length === 1 && item.contact_phone === '138****1234', 'item', item)
    check(item.can_call === true && item.status === 'routed', 'routed, can call back', item)
    const called = await api.deputyPhone(id)
    check(called.contact_phone === '13800001234', '回电 gives the full number', called)
    ok('the item page shows what the citizen wrote, the photo and the masked phone; 回电 the number')

    await expectError(api.reply(id, '   '), 422, 'validation_error')
    const answer = await api.reply(id, REPLY)
    check(answer.status === 'replied' && answer.message_id === id, 'replied', answer)
    const after = await api.deputyMessage(id)
    check(after.thread.some((t) => t.kind === 'reply' && t.content === REPLY), 'reply in the thread', after.thread)
    ok('replied; the thread shows it')
  },

  async 'citizen-check'(state) {
    step = 'citizen-check'
    // The stored token went bad (server key rotated, token forged): the api signs in again
    // once and repeats the call, the page never notices.
    state.phones.citizen.storage['lz.token'] += 'broken'
    const p = await phone(state, 'citizen')
    const { api, shim } = p
    const id = state.message.id
    const detail = await api.getMessage(id)
    check(shim.counters.login === 1, 'signed in again once after the 401', shim.counters)
    check(p.shim.storage['lz.token'] && p.shim.storage['lz.token'].indexOf('broken') < 0, 'new token stored')
    ok('an invalid token is renewed transparently')

    check(detail.status === 'replied' && detail.status_label === '已答复' && detail.can_rate === true, 'replied', detail)
    const reply = detail.thread.find((t) => t.kind === 'reply')
    check(reply && reply.content === REPLY && reply.author.indexOf(env('LZ_DEPUTY_NAME')) >= 0, 'reply in thread', detail.thread)
    ok("the citizen's detail shows the deputy's reply")

    const notices = await sent(p.openid)
    check(notices.length === 1 && notices[0].template_id === env('LZ_TEMPLATE_REPLY'), 'reply notice', notices)
    check(notices[0].page === 'pages/detail/detail?id=' + id, 'notice opens the detail page', notices[0].page)
    check(notices[0].data.character_string1.value === state.message.tracking_no, 'tracking number in the notice', notices[0].data)
    ok('WeChat delivered the reply notice, tapping through to pages/detail/detail')

    const followed = await api.followUp(id, '谢谢，修好后我再看看')
    check(followed.thread.some((t) => t.kind === 'followup' && t.author === '我'), 'follow-up', followed.thread)
    ok('follow-up added to the thread')

    await expectError(api.rate(id, 'great'), 422, 'validation_error')
    const rated = await api.rate(id, 'satisfied', '很及时')
    check(rated.status === 'closed' && rated.rating === 'satisfied' && rated.can_rate === false, 'rated', rated)
    const bad = await expectError(api.rate(id, 'satisfied'), 409, 'cannot_rate')
    check(bad.message === '这条答复已经评价过了', 'server message as is', bad.message)
    ok('rated 满意; the item is closed and cannot be rated twice')
  },
}

phases.devtools = async function devtools(state) {
  step = 'devtools'
  // WeChat DevTools against a local, sandbox-backed server: wx.login's real code would mean
  // nothing to the sandbox, so config.js (develop) lets the api module ask the sandbox.
  const p = await phone(state, 'devtools', 'DevTools')
  const { api, shim, subscribe } = p
  api.configure({ sandbox: { url: env('LZ_SANDBOX_URL') } })
  const answer = await api.login()
  check(answer.role === 'citizen' && answer.token, 'signed in through the sandbox', answer)
  check(shim.counters.login === 0, 'wx.login not used', shim.counters)
  const openid = shim.storage['lz.sandbox.openid']
  check(openid && openid !== p.openid, 'a sandbox user of its own', shim.storage)
  ok('develop mode signs in with a sandbox user')

  const accepted = await subscribe.requestSubscribe([env('LZ_TEMPLATE_REPLY')])
  check(accepted.length === 1, 'accepted', accepted)
  const users = await (await fetch(env('LZ_SANDBOX_URL') + '/sandbox/users')).json()
  const me = users.users.find((u) => u.openid === openid)
  check(me && me.consents[env('LZ_TEMPLATE_REPLY')].credits === 1, 'consent mirrored to the sandbox', me)
  ok('develop mode mirrors consent to the sandbox, so notices can be sent')

  // The sandbox was restarted and forgot the user: a new one is made.
  shim.storage['lz.sandbox.openid'] = 'gone-' + openid
  api.clearToken()
  await api.login()
  check(shim.storage['lz.sandbox.openid'] !== 'gone-' + openid, 'a fresh sandbox user', shim.storage)
  ok('a forgotten sandbox user is replaced')
}

async function main() {
  const name = process.argv[2]
  if (!phases[name]) {
    console.error('usage: run.js ' + Object.keys(phases).join(' | '))
    process.exit(2)
  }
  const state = loadState()
  try {
    await phases[name](state)
  } catch (err) {
    console.error('not ok - ' + (step || name) + ': ' + (err && err.stack ? err.stack : err))
    process.exitCode = 1
    return
  } finally {
    saveState(state)
  }
  console.log('phase ' + name + ': all checks passed')
}

main()
