/**
 * Similar items (issue 17, item 4): 「附近已有类似反映」 on the form, with 我也反映 joining an
 * existing item instead of filing it again; and the deputy's similar answered items.
 */
const { render, mod, server, order, settle, text, allText, tap, type, fire, find, scanAnswer, acceptLogin, error, shownMessages, detail, TEMPLATES } =
  require('../helpers')

const NEARBY = {
  items: [
    { id: 7, excerpt: '幸福小区门口的路灯坏了好几天', status: 'routed', status_label: '办理中', category: '城乡建设', created_at: '2026-11-16T01:00:00+00:00', supporters: 2 },
  ],
}
const JOINED = { id: 7, tracking_no: '26111600000007', status: 'routed', status_label: '办理中', supporters: 3, joined: true }

function open() {
  server.on('GET', '/scan/s.abcd1234', () => ({ statusCode: 200, data: scanAnswer() }))
  const page = render('pages/submit/submit')
  page.instance.onLoad({ scene: 's.abcd1234' })
  return page
}

beforeEach(() => {
  mod('utils/api').configure({ baseUrl: 'https://lz.example.cn', retryDelays: [1, 1], sandbox: null })
  acceptLogin()
  server.on('POST', '/messages/similar', () => ({ statusCode: 200, data: NEARBY }))
  server.on('POST', '/messages/7/join', () => ({ statusCode: 200, data: JOINED }))
  server.on('POST', '/subscriptions', () => ({ statusCode: 200, data: { credits: {} } }))
  server.on('POST', '/messages', () => ({ statusCode: 201, data: { id: 42, tracking_no: 'x', status: 'received' } }))
})

test('a pause in writing shows 附近已有类似反映 with its status', async () => {
  const page = open()
  await settle()
  await fire(page, '#category-picker', 'change', { value: '2' })
  await type(page, '#content', '小区大门口路灯不亮了，晚上很黑')
  await fire(page, '#content', 'blur', { value: '' })
  await settle(10)
  const asked = server.callsTo('POST', '/messages/similar')
  expect(asked).toHaveLength(1)
  expect(asked[0].data).toEqual({ scene: 's.abcd1234', content: '小区大门口路灯不亮了，晚上很黑', category: 3 })
  expect(text(page, '#nearby')).toContain('附近已有类似反映')
  expect(text(page, '#nearby')).toContain('办理中')
  expect(text(page, '#nearby')).toContain('已有 3 人反映')
  expect(text(page, '#nearby')).toContain('幸福小区门口的路灯坏了好几天')
})

test('我也反映 asks for notices first, joins, and files nothing new', async () => {
  const page = open()
  await settle()
  await type(page, '#content', '小区大门口路灯不亮了，晚上很黑')
  await fire(page, '#content', 'blur', { value: '' })
  await settle(10)
  order.length = 0
  await tap(page, '#join-7', 40)
  const consentAt = order.findIndex((o) => o.startsWith('requestSubscribeMessage'))
  const joinAt = order.findIndex((o) => o === 'request POST /api/v1/messages/7/join')
  expect(consentAt).toBeGreaterThanOrEqual(0)
  expect(consentAt).toBeLessThan(joinAt)
  expect(wx.requestSubscribeMessage.mock.calls[0][0].tmplIds).toEqual([TEMPLATES.reply, TEMPLATES.progress, TEMPLATES.solved])
  expect(server.callsTo('POST', '/subscriptions')).toHaveLength(1)
  const joins = server.callsTo('POST', '/messages/7/join')
  expect(joins).toHaveLength(1)
  expect(joins[0].data).toEqual({ scene: 's.abcd1234', content: '小区大门口路灯不亮了，晚上很黑' })
  expect(server.callsTo('POST', '/messages')).toHaveLength(0)
  expect(text(page, '#joined')).toContain('已加入这条反映')
  expect(text(page, '#joined-hint')).toContain('共 4 位群众')
})

test('a refused join says why and leaves the form as it was', async () => {
  server.on('POST', '/messages/7/join', () => error(409, 'not_joinable', '这条反映已办结或不予受理，不能再加入；如仍有问题请重新反映'))
  const page = open()
  await settle()
  await type(page, '#content', '小区大门口路灯不亮了，晚上很黑')
  await fire(page, '#content', 'blur', { value: '' })
  await settle(10)
  await tap(page, '#join-7', 40)
  expect(shownMessages().join()).toContain('不能再加入')
  expect(find(page, '#joined')).toBeFalsy()
  expect(find(page, '#content')).toBeTruthy()
  expect(find(page, '#join-7').dom.getAttribute('disabled')).toBeFalsy()
})

test('too little text asks nothing, and a failed lookup never blocks the form', async () => {
  const page = open()
  await settle()
  await type(page, '#content', '路灯')
  await fire(page, '#content', 'blur', { value: '' })
  await settle(10)
  expect(server.callsTo('POST', '/messages/similar')).toHaveLength(0)
  server.on('POST', '/messages/similar', () => error(500, 'internal', '服务暂时不可用'))
  await type(page, '#content', '小区大门口路灯不亮了，晚上很黑')
  await fire(page, '#content', 'blur', { value: '' })
  await settle(20)
  expect(find(page, '#nearby')).toBeFalsy()
  expect(shownMessages()).toHaveLength(0)
})

describe('the deputy item', () => {
  test('shows similar answered items with the answer that closed them, and the added voices', async () => {
    acceptLogin('deputy', { name: '王建国' })
    const answer = detail({
      id: 5,
      status: 'routed',
      status_label: '办理中',
      overdue: false,
      supporters: 2,
      similar: [
        { id: 3, tracking_no: 'T3', content: '幸福小区门口路灯不亮', category: '城乡建设', station: '金竹', status: 'closed', status_label: '已办结', created_at: '2026-10-01T01:00:00+00:00', answer: '已联系城管科，三天内修好', rating: 'satisfied', rating_label: '满意', score: 0.8 },
      ],
    })
    server.on('GET', '/deputy/messages/5', () => ({ statusCode: 200, data: answer }))
    const page = render('pages/deputy/item/item')
    page.instance.onLoad({ id: '5' })
    await settle()
    expect(text(page, '#similar')).toContain('相似的已答复事项')
    expect(text(page, '#similar')).toContain('答复：已联系城管科，三天内修好')
    expect(text(page, '#similar')).toContain('群众评价：满意')
    expect(text(page, '#supporters')).toBe('另有 2 位群众反映了同一问题')
  })

  test('without similar items there is no empty card', async () => {
    acceptLogin('deputy', { name: '王建国' })
    server.on('GET', '/deputy/messages/5', () => ({ statusCode: 200, data: detail({ id: 5, status: 'routed', similar: [] }) }))
    const page = render('pages/deputy/item/item')
    page.instance.onLoad({ id: '5' })
    await settle()
    expect(find(page, '#similar')).toBeFalsy()
    expect(find(page, '#supporters')).toBeFalsy()
    expect(allText(page)).not.toContain('相似的已答复事项')
  })
})
