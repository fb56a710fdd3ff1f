/**
 * 接待预告 on the form page: the station's coming reception days from the scan, and 「提醒我」 —
 * the 接待提醒 dialog first in the tap, then the server, whose answer is said in the page.
 */
const { render, mod, server, order, settle, text, allText, tap, find, scanAnswer, acceptLogin, error, shownMessages, TEMPLATES } =
  require('../helpers')

const RECEPTION_TEMPLATE = 'sbx-reception-tmpl-3Fq6wE9rT2yU5iO8pA1sD4'
const DAYS = [
  { id: 5, day: '2026-12-06', when: '12月6日（周日）9:00—11:30', topic: '教育专题接待', place: '金竹社区二楼', deputies: ['王建国', '李梅'], status: 'published' },
  { id: 6, day: '2026-12-16', when: '12月16日（周三）9:00—11:30', topic: '', place: '', deputies: [], status: 'cancelled' },
]

function open(overrides) {
  server.on('GET', '/scan/s.abcd1234', () => ({
    statusCode: 200,
    data: scanAnswer(Object.assign({
      subscribe_templates: { reply: TEMPLATES.reply, progress: TEMPLATES.progress, solved: TEMPLATES.solved, reception: RECEPTION_TEMPLATE },
    }, overrides)),
  }))
  const page = render('pages/submit/submit')
  page.instance.onLoad({ scene: 's.abcd1234' })
  return page
}

function withDays(days) {
  const answer = scanAnswer()
  return { station: Object.assign({}, answer.station, { receptions: days }) }
}

beforeEach(() => {
  mod('utils/api').configure({ baseUrl: 'https://lz.example.cn', retryDelays: [1, 1], sandbox: null })
  acceptLogin()
})

test('the coming published days are shown, a cancelled one is not', async () => {
  const page = open(withDays(DAYS))
  await settle()
  const shown = allText(page, '#receptions')
  expect(shown).toContain('12月6日（周日）9:00—11:30 · 教育专题接待')
  expect(shown).toContain('金竹社区二楼 · 王建国、李梅代表')
  expect(shown).not.toContain('12月16日')
  expect(find(page, '#remind-6')).toBeFalsy()
})

test('提醒我 asks for the 接待提醒 template first, then tells the server what was accepted', async () => {
  server.on('POST', '/receptions/5/reminder', () => ({
    statusCode: 200,
    data: { reception: Object.assign({}, DAYS[0], { subscribed: true }), channel: 'mp', notice: '接待前一天会提醒您' },
  }))
  const page = open(withDays(DAYS))
  await settle()
  await tap(page, '#remind-5')
  await settle()
  const asked = order.indexOf('requestSubscribeMessage ' + RECEPTION_TEMPLATE)
  expect(asked).toBeGreaterThanOrEqual(0)
  expect(asked).toBeLessThan(order.indexOf('request POST /api/v1/receptions/5/reminder'))
  const calls = server.callsTo('POST', '/receptions/5/reminder')
  expect(calls).toHaveLength(1)
  expect(calls[0].data).toEqual({ accepted: [RECEPTION_TEMPLATE] })
  expect(text(page, '#reminded-5')).toBe('已设置提醒，接待前一天通知您')
  expect(find(page, '#remind-5')).toBeFalsy()
  expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '接待前一天会提醒您' }))
})

test('a day cancelled meanwhile: the server says so and the button stays', async () => {
  server.on('POST', '/receptions/5/reminder', () => error(409, 'reception_closed', '该接待日已取消'))
  const page = open(withDays(DAYS))
  await settle()
  await tap(page, '#remind-5')
  await settle()
  expect(find(page, '#remind-5')).toBeTruthy()
  expect(find(page, '#reminded-5')).toBeFalsy()
  expect(shownMessages()).toContain('该接待日已取消')
})

test("a deputy's card shows no reception days", async () => {
  const page = open(Object.assign(withDays(DAYS), { kind: 'deputy', deputy: { id: 7, name: '王建国' } }))
  await settle()
  expect(find(page, '#receptions')).toBeFalsy()
})
