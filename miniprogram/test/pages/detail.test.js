const { render, mod, server, order, settle, text, allText, tap, type, find, detail, error, TEMPLATES, shownMessages } =
  require('../helpers')

function open(answer) {
  server.on('GET', '/messages/11', () => ({ statusCode: 200, data: answer }))
  const page = render('pages/detail/detail')
  page.instance.onLoad({ id: '11' })
  return page
}

const REPLY = { kind: 'reply', author: '王建国（县级人大代表）', content: '路灯本周内修好', created_at: '2026-11-16T02:00:00+00:00' }

beforeEach(() => {
  mod('utils/api').configure({ baseUrl: 'https://lz.example.cn', retryDelays: [1, 1], sandbox: null })
  wx.setStorageSync('lz.token', 't')
})

test('the thread, the photo (absolute URL) and the deputy', async () => {
  const page = open(detail({ status: 'replied', status_label: '已答复', thread: detail().thread.concat([REPLY]), can_rate: true }))
  await settle()
  expect(text(page, '#status >>> .badge')).toBe('已答复')
  expect(text(page, '#content')).toBe('金竹西路的路灯坏了一个月了')
  expect(find(page, '.photo').dom.getAttribute('src') || page.instance.data.m.photos[0].url).toBe(
    'https://lz.example.cn/api/v1/uploads/abc?sig=xyz'
  )
  expect(text(page, '#deputy')).toBe('承办代表：王建国（县级人大代表）')
  expect(text(page, '#thread')).toContain('路灯本周内修好')
  expect(text(page, '#thread')).toContain('已交代表办理')
})

test('no rating buttons until the server says can_rate', async () => {
  const page = open(detail({ status: 'routed', status_label: '办理中', can_rate: false }))
  await settle()
  expect(find(page, '#rate-card')).toBeFalsy()
  expect(find(page, '#rating')).toBeFalsy()
})

test('rating 满意 closes the item and shows the rating', async () => {
  const page = open(detail({ status: 'replied', status_label: '已答复', can_rate: true }))
  server.on('POST', '/messages/11/rating', () => ({
    statusCode: 200,
    data: detail({ status: 'closed', status_label: '已办结', rating: 'satisfied', can_rate: false, can_follow_up: false }),
  }))
  await settle()
  const labels = page.querySelectorAll('#rating >>> .choice')
  expect(find(page, '#rating').querySelectorAll('.choice').map((c) => c.dom.textContent.trim())).toEqual(['满意', '基本满意', '不满意'])
  await tap(page, find(page, '#rating').querySelectorAll('.choice')[0])
  await tap(page, '#rating >>> .rating-confirm', 30)
  expect(server.callsTo('POST', '/messages/11/rating')[0].data).toEqual({ score: 'satisfied' })
  expect(wx.requestSubscribeMessage).not.toHaveBeenCalled()
  expect(text(page, '#rated')).toContain('您的评价：满意')
  expect(text(page, '#status >>> .badge')).toBe('已办结')
  expect(find(page, '#followup')).toBeFalsy()
  expect(labels).toBeDefined()
})

test('不满意 first offers a notice for the next answer, then reopens', async () => {
  const page = open(detail({ status: 'replied', status_label: '已答复', can_rate: true }))
  server.on('POST', '/subscriptions', () => ({ statusCode: 200, data: { credits: { [TEMPLATES.reply]: 1 } } }))
  server.on('POST', '/messages/11/rating', () => ({
    statusCode: 200,
    data: detail({ status: 'reopened', status_label: '重新办理', rating: 'unsatisfied', can_rate: false }),
  }))
  await settle()
  await tap(page, find(page, '#rating').querySelectorAll('.choice')[2])
  await type(page, '#rating >>> .rating-comment', '路灯还是不亮')
  order.length = 0
  await tap(page, '#rating >>> .rating-confirm', 40)
  expect(order[0]).toBe('requestSubscribeMessage ' + [TEMPLATES.reply, TEMPLATES.progress, TEMPLATES.solved].join(','))
  expect(server.callsTo('POST', '/subscriptions')[0].data).toEqual({ accepted: [TEMPLATES.reply, TEMPLATES.progress, TEMPLATES.solved] })
  expect(server.callsTo('POST', '/messages/11/rating')[0].data).toEqual({ score: 'unsatisfied', comment: '路灯还是不亮' })
  expect(text(page, '#status >>> .badge')).toBe('重新办理')
})

test('a refused rating shows the server message', async () => {
  const page = open(detail({ status: 'replied', status_label: '已答复', can_rate: true }))
  server.on('POST', '/messages/11/rating', () => error(409, 'cannot_rate', '这条答复已经评价过了'))
  await settle()
  await tap(page, find(page, '#rating').querySelectorAll('.choice')[1])
  await tap(page, '#rating >>> .rating-confirm', 30)
  expect(shownMessages()).toContain('这条答复已经评价过了')
})

test('a follow-up is added to the thread', async () => {
  const page = open(detail())
  server.on('POST', '/messages/11/followups', (req) => ({
    statusCode: 201,
    data: detail({ thread: detail().thread.concat([{ kind: 'followup', author: '我', content: req.data.content, created_at: '2026-11-16T03:00:00+00:00' }]) }),
  }))
  await settle()
  await tap(page, '#send-followup')
  expect(shownMessages()).toContain('请填写追问内容')
  await type(page, '#followup', '今晚还是黑的')
  await tap(page, '#send-followup', 40)
  expect(server.callsTo('POST', '/messages/11/followups')[0].data).toEqual({ content: '今晚还是黑的' })
  expect(text(page, '#thread')).toContain('今晚还是黑的')
  expect(page.instance.data.followup).toBe('')
})

test('长辈版: the follow-up is confirmed in the page, with no toast', async () => {
  mod('utils/elder').setOn(true)
  const page = open(detail())
  server.on('POST', '/messages/11/followups', (req) => ({
    statusCode: 201,
    data: detail({ thread: detail().thread.concat([{ kind: 'followup', author: '我', content: req.data.content, created_at: '2026-11-16T03:00:00+00:00' }]) }),
  }))
  await settle()
  await type(page, '#followup', '今晚还是黑的')
  await tap(page, '#send-followup', 40)
  expect(text(page, '#thread')).toContain('今晚还是黑的')
  expect(text(page, '#inline-alert >>> #alert-text')).toBe('已发送')
  expect(wx.showToast).not.toHaveBeenCalled()
  expect(wx.showModal).not.toHaveBeenCalled()
})

test("someone else's message: the server's 404 message", async () => {
  server.on('GET', '/messages/11', () => error(404, 'not_found', '找不到这条反映'))
  const page = render('pages/detail/detail')
  page.instance.onLoad({ id: '11' })
  await settle()
  expect(allText(page)).toContain('找不到这条反映')
})

test('a refused item says why and where to go instead, and takes no follow-up', async () => {
  const page = open(
    detail({
      status: 'rejected',
      status_label: '不予受理',
      can_follow_up: false,
      notice_reachable: false,
      rejection: { reason: '属于已经法院判决的民事纠纷', where: '请向执行法院申请强制执行' },
    })
  )
  await settle()
  expect(text(page, '#rejection')).toContain('理由：属于已经法院判决的民事纠纷')
  expect(text(page, '#rejection-where')).toBe('建议：请向执行法院申请强制执行')
  expect(find(page, '#followup')).toBeFalsy()
  expect(find(page, '#notice-hint')).toBeFalsy() // nothing more will be answered
})

test('when the next answer cannot reach WeChat the page says so and offers the prompt', async () => {
  const page = open(detail({ status: 'followed_up', status_label: '追问待答复', notice_reachable: false }))
  server.on('POST', '/subscriptions', () => ({ statusCode: 200, data: { credits: { [TEMPLATES.reply]: 1 } } }))
  await settle()
  expect(text(page, '#notice-hint')).toContain('下一次答复不会通过微信通知您')
  server.on('GET', '/messages/11', () => ({ statusCode: 200, data: detail({ notice_reachable: true }) }))
  order.length = 0
  await tap(page, '#enable-notice', 40)
  expect(order[0]).toBe('requestSubscribeMessage ' + [TEMPLATES.reply, TEMPLATES.progress, TEMPLATES.solved].join(','))
  expect(server.callsTo('POST', '/subscriptions')[0].data).toEqual({ accepted: [TEMPLATES.reply, TEMPLATES.progress, TEMPLATES.solved] })
  expect(find(page, '#notice-hint')).toBeFalsy()
})

test('a refused prompt keeps the hint: nothing is pretended', async () => {
  wx.requestSubscribeMessage.mockImplementation(({ tmplIds, success }) =>
    success(Object.fromEntries(tmplIds.map((id) => [id, 'reject'])))
  )
  const page = open(detail({ status: 'replied', status_label: '已答复', notice_reachable: false }))
  await settle()
  await tap(page, '#enable-notice', 40)
  expect(server.callsTo('POST', '/subscriptions')).toEqual([])
  expect(text(page, '#notice-hint')).toContain('下一次答复不会通过微信通知您')
})

test('the whole path: each stage in plain Chinese, and the due date of the open one', async () => {
  const stages = [
    { stage: '已收到您的反映', kind: 'received', at: '2026-11-16T01:05:00+00:00', by: '群众' },
    { stage: '由王建国代表受理', kind: 'routed', at: '2026-11-16T01:06:00+00:00', by: '系统' },
    { stage: '转交区城市管理局办理（应于2026-11-25前答复）', kind: 'transferred', at: '2026-11-16T02:00:00+00:00', by: '王建国代表' },
    { stage: '区城市管理局已签收', kind: 'unit_signed', at: '2026-11-16T03:00:00+00:00', by: '区城市管理局' },
  ]
  const page = open(detail({ status: 'transferred', status_label: '承办单位办理中', stages, due_at: '2026-11-25T15:59:59+00:00', colour: 'green' }))
  await settle()
  const shown = text(page, '#stages')
  stages.forEach((s) => expect(shown).toContain(s.stage))
  expect(shown).toContain('区城市管理局')
  expect(text(page, '#due')).toContain('前办理完')
})

test('past its due date the page says so', async () => {
  const stages = [{ stage: '转交区城市管理局办理（应于2026-11-25前答复）', kind: 'transferred', at: '2026-11-16T02:00:00+00:00', by: '王建国代表' }]
  const page = open(detail({ status: 'transferred', stages, due_at: '2026-11-25T15:59:59+00:00', colour: 'red' }))
  await settle()
  expect(text(page, '#due')).toContain('已超过办理期限')
})

test('no stages yet (an older server): no progress card', async () => {
  const page = open(detail({}))
  await settle()
  expect(find(page, '#stages')).toBeFalsy()
})

test('回访: 「没解决」 is sent, the item shows it is back at work', async () => {
  const asked = { question: '问题解决了吗？', asked_at: '2026-11-23T02:00:00+00:00', answered: false, solved: null, can_answer: true }
  const page = open(detail({ status: 'closed', status_label: '已办结', revisit: asked }))
  server.on('POST', '/messages/11/revisit', (req) => ({
    statusCode: 200,
    data: detail({
      status: 'reopened',
      status_label: '重新办理',
      colour: 'green',
      due_at: '2026-11-24T02:00:00+00:00',
      stage: { name: 'second_answer', label: '不满意后再次办理', holder: 'deputy' },
      revisit: Object.assign({}, asked, { answered: true, solved: req.data.solved, can_answer: false }),
    }),
  }))
  await settle()
  expect(text(page, '#revisit')).toContain('问题解决了吗？')
  await tap(page, '#revisit-no', 30)
  expect(server.callsTo('POST', '/messages/11/revisit')[0].data).toEqual({ solved: false })
  expect(find(page, '#revisit')).toBeFalsy()
  expect(text(page, '#revisit-answered')).toContain('没有解决，已重新交办')
  expect(text(page, '#deadline')).toContain('不满意后再次办理 办理期限 2026年11月24日 10:00')
})

test('a merged duplicate points to the earlier item, without its content', async () => {
  const page = open(
    detail({
      status: 'rejected',
      status_label: '不予受理',
      can_follow_up: false,
      rejection: { reason: '与较早的反映重复，已合并办理', where: '请关注较早的反映 26111600000001 的办理进展' },
      merged_into: { tracking_no: '26111600000001', status: 'routed', status_label: '办理中', replied: false },
    })
  )
  await settle()
  expect(text(page, '#merged-into')).toContain('26111600000001')
  expect(text(page, '#merged-into')).toContain('办理中')
  expect(text(page, '#rejection')).toContain('与较早的反映重复')
})
