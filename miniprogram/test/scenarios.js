/**
 * Every page in the states a person meets — with data, empty, refused, errors shown, photos in
 * each upload state, prompts and messages in the page — for the test that measures sizes and
 * colours (looks.test.js). Each scenario renders one page and returns it settled; the page
 * path says which wxss applies.
 */
const { render, mod, server, settle, tap, type, fire, find, scanAnswer, summary, detail, acceptLogin, error } = require('./helpers')
const wxMock = require('./wx-mock')

const REPLY = { kind: 'reply', author: '王建国（县级人大代表）', content: '路灯本周内修好', created_at: '2026-11-16T02:00:00+00:00' }
const FOLLOWUP = { kind: 'followup', author: '我', content: '今晚还是黑的', created_at: '2026-11-16T03:00:00+00:00' }

function signedIn() {
  mod('utils/api').configure({ baseUrl: 'https://lz.example.cn', retryDelays: [1, 1], sandbox: null })
  wx.setStorageSync('lz.token', 't')
  acceptLogin()
}

function open(relPath, options) {
  const page = render(relPath)
  page.instance.onLoad(options || {})
  if (page.instance.onShow) page.instance.onShow()
  return page
}

async function submitForm() {
  signedIn()
  server.on('GET', '/scan/s.abcd1234', () => ({
    statusCode: 200,
    data: scanAnswer({ limits: { content_max_chars: 20, max_photos: 9, max_upload_bytes: 1024 * 1024 } }),
  }))
  const page = open('pages/submit/submit', { scene: 's.abcd1234' })
  await settle()
  return page
}

const SCENARIOS = [
  {
    name: 'entry: a station with who is on duty',
    page: 'pages/entry/entry',
    async run() {
      server.on('GET', '/scan/s.abcd1234', () => ({ statusCode: 200, data: scanAnswer() }))
      const page = open('pages/entry/entry', { scene: 's.abcd1234' })
      await settle()
      return page
    },
  },
  {
    name: 'entry: a deputy, nobody on duty',
    page: 'pages/entry/entry',
    async run() {
      const answer = scanAnswer({ kind: 'deputy', on_duty: [], deputy: { id: 7, name: '李秀兰', level: '市', title: '市人大代表' } })
      server.on('GET', '/scan/d.k3m9x2pq', () => ({ statusCode: 200, data: answer }))
      const page = open('pages/entry/entry', { scene: 'd.k3m9x2pq' })
      await settle()
      return page
    },
  },
  {
    name: 'entry: opened without a code',
    page: 'pages/entry/entry',
    async run() {
      return open('pages/entry/entry', {})
    },
  },
  {
    name: 'entry: loading, then an unknown code',
    page: 'pages/entry/entry',
    async run() {
      server.on('GET', '/scan/s.zzzz9999', () => error(404, 'not_found', '二维码无效或已停用，请联系联络站工作人员'))
      const page = open('pages/entry/entry', { scene: 's.zzzz9999' })
      await settle()
      return page
    },
  },
  {
    name: 'entry: loading',
    page: 'pages/entry/entry',
    async run() {
      server.on('GET', '/scan/s.abcd1234', () => new Promise(() => {}))
      return open('pages/entry/entry', { scene: 's.abcd1234' })
    },
  },
  {
    name: 'submit: the form with errors and a long text',
    page: 'pages/submit/submit',
    async run() {
      const page = await submitForm()
      await type(page, '#content', '一二三四五六七八九十一二三四五六七八九十多')
      await type(page, '#phone', '12345')
      await tap(page, '#submit')
      return page
    },
  },
  {
    name: 'submit: photos uploaded, uploading, failed and too large; a place',
    page: 'pages/submit/submit',
    async run() {
      let n = 0
      server.on('POST', '/uploads', () => {
        n += 1
        return n === 2 ? error(415, 'unsupported_image', '只支持 JPG、PNG、WebP 格式的图片') : { statusCode: 201, data: { upload_id: 'up' + n } }
      })
      wx.chooseMedia.mockImplementation((opts) =>
        opts.success({
          tempFiles: [
            { tempFilePath: 'wxfile://tmp/a.jpg', size: 2000 },
            { tempFilePath: 'wxfile://tmp/b.jpg', size: 2000 },
            { tempFilePath: 'wxfile://tmp/c.jpg', size: 2000 },
            { tempFilePath: 'wxfile://tmp/d.jpg', size: 2000 },
            { tempFilePath: 'wxfile://tmp/huge.jpg', size: 5 * 1024 * 1024 },
          ],
        })
      )
      wx.chooseLocation.mockImplementation((opts) => opts.success({ name: '金竹小学', address: '贵阳市花溪区金竹西路', latitude: 26.5, longitude: 106.7 }))
      const page = await submitForm()
      await tap(page, '#add-photo', 60)
      await tap(page, '#choose-place')
      // Caught mid-way: one still uploading, one waiting for its turn.
      page.setData({ 'photos[2].status': 'uploading', 'photos[2].progress': 40, 'photos[3].status': 'waiting' })
      return page
    },
  },
  {
    name: 'submit: busy submitting',
    page: 'pages/submit/submit',
    async run() {
      const page = await submitForm()
      page.setData({ submitting: true })
      return page
    },
  },
  {
    name: 'submit: the privacy prompt, then refused',
    page: 'pages/submit/submit',
    async run() {
      wxMock.privacy.agreed = false
      wx.chooseMedia.mockImplementation(wxMock.gated('chooseMedia', () => {}))
      const page = await submitForm()
      await tap(page, '#add-photo', 30)
      return page
    },
    async then(page) {
      await tap(visiblePrompt(page), '#privacy-disagree', 30)
      return page
    },
  },
  {
    name: 'submit: voice input listening, then unavailable',
    page: 'pages/submit/submit',
    async run() {
      const page = await submitForm()
      page.querySelector('#voice-input').setData({ recording: true, interim: '路灯坏了' })
      return page
    },
    async then(page) {
      page.querySelector('#voice-input').setData({ recording: false, available: false, unavailable: '不能使用麦克风，请直接打字输入' })
      return page
    },
  },
  {
    name: 'submit: done, with a message in the inline alert',
    page: 'pages/submit/submit',
    async run() {
      server.on('POST', '/messages', () => ({ statusCode: 201, data: { id: 42, tracking_no: '26111612345678', status: 'received' } }))
      const page = await submitForm()
      await fire(page, '#category-picker', 'change', { value: '1' })
      await type(page, '#content', '斑马线看不清了')
      await tap(page, '#submit', 40)
      // A question asked in 长辈版 stays in the page until answered, whichever mode follows.
      mod('utils/elder').setOn(true)
      mod('utils/notify').ask({ text: '新版本已准备好，是否重启？', confirmText: '重启', cancelText: '稍后' })
      mod('utils/elder').setOn(false)
      await settle(2)
      return page
    },
  },
  {
    name: 'mine: messages, one with a fresh answer; a failed next page',
    page: 'pages/mine/mine',
    async run() {
      signedIn()
      server.on('GET', '/messages', () => ({
        statusCode: 200,
        data: {
          items: [
            summary({ id: 3, status: 'replied', status_label: '已答复' }),
            summary({ id: 2, status: 'routed', status_label: '办理中' }),
            summary({ id: 1, status: 'rejected', status_label: '不予受理' }),
          ],
          page: 1,
          per_page: 20,
          total: 9,
        },
      }))
      const page = open('pages/mine/mine')
      await settle()
      page.setData({ moreError: '网络连接失败，请检查网络后重试' })
      return page
    },
  },
  {
    name: 'mine: nothing yet',
    page: 'pages/mine/mine',
    async run() {
      signedIn()
      server.on('GET', '/messages', () => ({ statusCode: 200, data: { items: [], page: 1, per_page: 20, total: 0 } }))
      const page = open('pages/mine/mine')
      await settle()
      return page
    },
  },
  {
    name: 'detail: an answer to rate, 不满意 picked, a follow-up',
    page: 'pages/detail/detail',
    async run() {
      signedIn()
      const answer = detail({
        status: 'replied',
        status_label: '已答复',
        can_rate: true,
        notice_reachable: false,
        thread: detail().thread.concat([REPLY, FOLLOWUP]),
      })
      server.on('GET', '/messages/11', () => ({ statusCode: 200, data: answer }))
      const page = open('pages/detail/detail', { id: '11' })
      await settle()
      await tap(page, find(page, '#rating').querySelectorAll('.choice')[2])
      return page
    },
  },
  {
    name: 'detail: rated and closed',
    page: 'pages/detail/detail',
    async run() {
      signedIn()
      const answer = detail({ status: 'closed', status_label: '已办结', rating: 'satisfied', rating_comment: '修得挺快', can_follow_up: false })
      server.on('GET', '/messages/11', () => ({ statusCode: 200, data: answer }))
      const page = open('pages/detail/detail', { id: '11' })
      await settle()
      return page
    },
  },
  {
    name: 'detail: refused, saying where to go',
    page: 'pages/detail/detail',
    async run() {
      signedIn()
      const answer = detail({
        status: 'rejected',
        status_label: '不予受理',
        can_follow_up: false,
        thread: [],
        rejection: { reason: '属于已经法院判决的民事纠纷', where: '请向执行法院申请强制执行' },
      })
      server.on('GET', '/messages/11', () => ({ statusCode: 200, data: answer }))
      const page = open('pages/detail/detail', { id: '11' })
      await settle()
      return page
    },
  },
  {
    name: 'bind: a wrong code',
    page: 'pages/deputy/bind/bind',
    async run() {
      signedIn()
      const page = open('pages/deputy/bind/bind')
      await tap(page, '#bind')
      return page
    },
  },
  {
    name: 'bind: bound, notices refused',
    page: 'pages/deputy/bind/bind',
    async run() {
      signedIn()
      wx.setStorageSync('lz.role', 'deputy')
      wx.setStorageSync('lz.deputy', { id: 7, name: '王建国', level: '县' })
      const page = open('pages/deputy/bind/bind')
      page.setData({ consent: 'off' })
      return page
    },
    async then(page) {
      page.setData({ consent: 'on' })
      return page
    },
  },
  {
    name: 'inbox: items, one overdue',
    page: 'pages/deputy/inbox/inbox',
    async run() {
      signedIn()
      server.on('GET', '/deputy/inbox', () => ({
        statusCode: 200,
        data: {
          items: [
            summary({ id: 5, status: 'routed', status_label: '办理中', overdue: true, colour: 'red', due_at: '2026-11-16T01:05:00+00:00' }),
            summary({ id: 4, status: 'reopened', status_label: '重新办理', colour: 'yellow', due_at: '2026-11-17T01:05:00+00:00' }),
            summary({ id: 3, status: 'followed_up', status_label: '追问待答复', colour: 'green', due_at: '2026-11-20T01:05:00+00:00' }),
          ],
          counts: { routed: 1, reopened: 1, followed_up: 1, awaiting: 3 },
          page: 1,
          per_page: 20,
          total: 3,
        },
      }))
      const page = open('pages/deputy/inbox/inbox')
      await settle()
      return page
    },
  },
  {
    name: 'inbox: nothing waiting; then not a deputy',
    page: 'pages/deputy/inbox/inbox',
    async run() {
      signedIn()
      server.on('GET', '/deputy/inbox', () => ({ statusCode: 200, data: { items: [], counts: { awaiting: 0 }, page: 1, per_page: 20, total: 0 } }))
      const page = open('pages/deputy/inbox/inbox')
      await settle()
      return page
    },
    async then(page) {
      page.setData({ state: 'notDeputy', message: '此功能仅限已绑定的代表使用' })
      return page
    },
  },
  {
    name: 'item: a message with photos, phone, an overdue tag and a reply error',
    page: 'pages/deputy/item/item',
    async run() {
      signedIn()
      const answer = detail({
        id: 5,
        status: 'routed',
        status_label: '办理中',
        contact_phone: '138****1234',
        can_call: true,
        overdue: true,
        thread: detail().thread.concat([REPLY, FOLLOWUP]),
      })
      server.on('GET', '/deputy/messages/5', () => ({ statusCode: 200, data: answer }))
      const page = open('pages/deputy/item/item', { id: '5' })
      await settle()
      await tap(page, '#send-reply')
      return page
    },
  },
  {
    name: 'item: no thread yet',
    page: 'pages/deputy/item/item',
    async run() {
      signedIn()
      server.on('GET', '/deputy/messages/5', () => ({ statusCode: 200, data: detail({ id: 5, thread: [], anonymous: true }) }))
      const page = open('pages/deputy/item/item', { id: '5' })
      await settle()
      return page
    },
  },
]

const PROMPTS = ['#privacy-page', '#privacy-photos', '#privacy-place', '#privacy-voice', '#privacy-copy']

/** The privacy prompt on screen (there is one per place that may ask), or null. */
function visiblePrompt(page) {
  for (const id of PROMPTS) {
    const prompt = find(page, id)
    if (prompt && prompt.querySelector('#privacy')) return prompt
  }
  return null
}

/** Each scenario's page in each state it shows (run, then `then` if it has one). */
async function* states(scenario) {
  const page = await scenario.run()
  await settle(4)
  yield { label: scenario.name, page }
  if (scenario.then) {
    await scenario.then(page)
    await settle(4)
    yield { label: scenario.name + ' (then)', page }
  }
}

module.exports = { SCENARIOS, states, visiblePrompt }
