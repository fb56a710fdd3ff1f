/** Deputy mode: bind (typed or scanned), notice consent at a tap, inbox with counts, reply. */
const { render, mod, server, settle, text, allText, tap, type, fire, find, detail, summary, error, TEMPLATES, shownMessages } =
  require('../helpers')

const WANG = { id: 7, name: '王建国', level: '县', title: '' }

beforeEach(() => {
  mod('utils/api').configure({ baseUrl: 'https://lz.example.cn', retryDelays: [1, 1], sandbox: null })
  wx.setStorageSync('lz.token', 't')
  server.on('POST', '/deputy/bind', (req) =>
    req.data.invite_code === 'ABCD2345'
      ? { statusCode: 200, data: { token: 't2', role: 'deputy', deputy: WANG } }
      : error(404, 'invite_not_found', '邀请码不存在，请核对后重新输入')
  )
})

function bindPage(options) {
  const page = render('pages/deputy/bind/bind')
  page.instance.onLoad(options || {})
  return page
}

describe('binding', () => {
  test('with a typed code (lower case is fine)', async () => {
    const page = bindPage()
    await type(page, '#code', 'abcd2345')
    await tap(page, '#bind', 30)
    expect(server.callsTo('POST', '/deputy/bind')[0].data).toEqual({ invite_code: 'ABCD2345' })
    expect(text(page, '#bound-name')).toBe('王建国')
    expect(mod('utils/api').session().isDeputy).toBe(true)
  })

  test.each([
    ['the bare code', 'ABCD2345'],
    ['a URL with ?code=', 'https://lz.example.cn/admin/invites/scan?code=ABCD2345'],
  ])('with a scanned QR carrying %s', async (_, result) => {
    wx.scanCode.mockImplementation((opts) => opts.success({ result, scanType: 'QR_CODE' }))
    const page = bindPage()
    await tap(page, '#scan', 30)
    expect(server.callsTo('POST', '/deputy/bind')[0].data).toEqual({ invite_code: 'ABCD2345' })
    expect(text(page, '#bound-name')).toBe('王建国')
  })

  test('a QR that is not an invite is refused here', async () => {
    wx.scanCode.mockImplementation((opts) => opts.success({ result: 'https://weixin.qq.com/x' }))
    const page = bindPage()
    await tap(page, '#scan')
    expect(text(page, '#error')).toContain('不是代表邀请码')
    expect(server.callsTo('POST', '/deputy/bind')).toHaveLength(0)
  })

  test("the server's refusal is shown as it says", async () => {
    const page = bindPage()
    await tap(page, '#bind')
    expect(text(page, '#error')).toBe('请输入联络站工作人员给您的邀请码')
    await type(page, '#code', 'WRONG234')
    await tap(page, '#bind', 30)
    expect(text(page, '#error')).toBe('邀请码不存在，请核对后重新输入')
  })

  test('after binding, one tap asks for new-item and reminder notices and reports them', async () => {
    server.on('POST', '/subscriptions', () => ({ statusCode: 200, data: { credits: {} } }))
    const page = bindPage()
    await type(page, '#code', 'ABCD2345')
    await tap(page, '#bind', 30)
    expect(wx.requestSubscribeMessage).not.toHaveBeenCalled() // only at a tap
    await tap(page, '#enable-notices', 30)
    expect(wx.requestSubscribeMessage.mock.calls[0][0].tmplIds).toEqual([TEMPLATES.new_item, TEMPLATES.reminder])
    expect(server.callsTo('POST', '/subscriptions')[0].data).toEqual({ accepted: [TEMPLATES.new_item, TEMPLATES.reminder] })
    expect(find(page, '#consent-on')).toBeTruthy()
    await tap(page, '#open-inbox')
    expect(wx.redirectTo).toHaveBeenCalledWith({ url: '/pages/deputy/inbox/inbox' })
  })
})

describe('inbox', () => {
  function inbox() {
    const page = render('pages/deputy/inbox/inbox')
    page.instance.onLoad({})
    page.instance.onShow()
    return page
  }

  test('counts by status, awaiting first, and the items', async () => {
    server.on('GET', '/deputy/inbox', (req) => ({
      statusCode: 200,
      data: {
        items: req.data.status === 'awaiting'
          ? [summary({ id: 5, status: 'routed', status_label: '办理中', overdue: true })]
          : [summary({ id: 4, status: 'replied', status_label: '已答复' })],
        counts: { routed: 1, replied: 2, closed: 3, awaiting: 1 },
        page: 1,
        per_page: 20,
        total: 1,
      },
    }))
    const page = inbox()
    await settle()
    expect(server.callsTo('GET', '/deputy/inbox')[0].data).toMatchObject({ status: 'awaiting' })
    expect(text(page, '#tab-awaiting')).toBe('待答复1')
    expect(text(page, '#tab-replied')).toBe('已答复2')
    expect(text(page, '#tab-closed')).toBe('已办结3')
    expect(text(page, '#tab-all')).toBe('全部6')
    expect(text(page, '.list-item .status >>> .badge')).toBe('办理中')
    expect(allText(page)).toContain('已超时')
    await tap(page, '#tab-replied', 30)
    expect(server.callsTo('GET', '/deputy/inbox')[1].data).toMatchObject({ status: 'replied' })
    expect(text(page, '.list-item .status >>> .badge')).toBe('已答复')
    await tap(page, '.list-item')
    expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/deputy/item/item?id=4' })
  })

  test('三色: each item says how its deadline stands, as the server coloured it', async () => {
    server.on('GET', '/deputy/inbox', () => ({
      statusCode: 200,
      data: {
        items: [
          summary({ id: 1, status: 'routed', colour: 'red', due_at: '2026-11-17T01:05:00+00:00' }),
          summary({ id: 2, status: 'routed', colour: 'yellow', due_at: '2026-11-18T01:05:00+00:00' }),
          summary({ id: 3, status: 'routed', colour: 'green', due_at: '2026-11-25T01:05:00+00:00' }),
          summary({ id: 4, status: 'replied' }),
        ],
        counts: { routed: 3, replied: 1, awaiting: 3 },
        page: 1,
        per_page: 20,
        total: 4,
      },
    }))
    const page = inbox()
    await settle()
    const tags = page.querySelectorAll('.deadline').map((node) => node.dom.className + ' ' + node.dom.textContent)
    expect(tags).toHaveLength(3)
    expect(tags[0]).toContain('danger')
    expect(tags[0]).toContain('已逾期（应于2026年11月17日 09:05前）')
    expect(tags[1]).toContain('warning')
    expect(tags[1]).toContain('临期：请于2026年11月18日 09:05前办理')
    expect(tags[2]).toContain('ok')
    expect(tags[2]).toContain('办理期限 2026年11月25日 09:05')
  })

  test('empty: a kind word', async () => {
    server.on('GET', '/deputy/inbox', () => ({ statusCode: 200, data: { items: [], counts: { awaiting: 0 }, page: 1, per_page: 20, total: 0 } }))
    const page = inbox()
    await settle()
    expect(allText(page)).toContain('没有待答复的留言')
  })

  test('not a deputy: the server says so, and binding is offered', async () => {
    server.on('GET', '/deputy/inbox', () => error(403, 'not_a_deputy', '此功能仅限已绑定的代表使用'))
    const page = inbox()
    await settle()
    expect(allText(page)).toContain('此功能仅限已绑定的代表使用')
    await tap(page, '#state >>> .state-button')
    expect(wx.redirectTo).toHaveBeenCalledWith({ url: '/pages/deputy/bind/bind' })
  })

  test('notice consent at a tap', async () => {
    server.on('GET', '/deputy/inbox', () => ({ statusCode: 200, data: { items: [], counts: {}, page: 1, per_page: 20, total: 0 } }))
    server.on('POST', '/subscriptions', () => ({ statusCode: 200, data: { credits: {} } }))
    const page = inbox()
    await settle()
    await tap(page, '#enable-notices', 30)
    expect(wx.requestSubscribeMessage.mock.calls[0][0].tmplIds).toEqual([TEMPLATES.new_item, TEMPLATES.reminder])
    expect(server.callsTo('POST', '/subscriptions')).toHaveLength(1)
    expect(find(page, '#enable-notices')).toBeFalsy()
  })
})

describe('duty check-in', () => {
  function inbox() {
    const page = render('pages/deputy/inbox/inbox')
    page.instance.onLoad({})
    page.instance.onShow()
    return page
  }
  const EMPTY = { statusCode: 200, data: { items: [], counts: {}, page: 1, per_page: 20, total: 0 } }

  test('on a duty day one tap checks in; the bar then says so', async () => {
    server.on('GET', '/deputy/inbox', () => EMPTY)
    server.on('GET', '/deputy/duty/today', () => ({
      statusCode: 200,
      data: { date: '2026-12-02', stations: [{ id: 3, name: '金竹社区人大代表联络站', checked_in: false }] },
    }))
    server.on('POST', '/deputy/checkin', () => ({
      statusCode: 201,
      data: { id: 1, station: { id: 3, name: '金竹社区人大代表联络站' }, date: '2026-12-02', source: 'deputy', already: false },
    }))
    const page = inbox()
    await settle()
    expect(text(page, '#duty-3')).toContain('今天您在金竹社区人大代表联络站值班')
    await tap(page, '#duty-3 .checkin', 30)
    expect(server.callsTo('POST', '/deputy/checkin')[0].data).toEqual({ station_id: 3 })
    expect(find(page, '#duty-3 .checked-in')).toBeTruthy()
    expect(find(page, '#duty-3 .checkin')).toBeFalsy()
    expect(shownMessages()).toContain('签到成功，感谢您到站接待群众')
  })

  test("the server's refusal is shown and the button stays", async () => {
    server.on('GET', '/deputy/inbox', () => EMPTY)
    server.on('GET', '/deputy/duty/today', () => ({
      statusCode: 200,
      data: { date: '2026-12-02', stations: [{ id: 3, name: '金竹', checked_in: false }] },
    }))
    server.on('POST', '/deputy/checkin', () => error(422, 'not_on_duty', '签到时间为值班当天 7:00 至 21:00，现在不在签到时间内'))
    const page = inbox()
    await settle()
    await tap(page, '#duty-3 .checkin', 30)
    expect(shownMessages().join()).toContain('现在不在签到时间内')
    expect(find(page, '#duty-3 .checkin')).toBeTruthy()
  })

  test('no duty today: no bar, the inbox as ever', async () => {
    server.on('GET', '/deputy/inbox', () => EMPTY)
    server.on('GET', '/deputy/duty/today', () => ({ statusCode: 200, data: { date: '2026-12-03', stations: [] } }))
    const page = inbox()
    await settle()
    expect(find(page, '.duty-bar')).toBeFalsy()
    expect(allText(page)).toContain('没有待答复的留言')
  })
})

describe('item', () => {
  const ITEM = detail({ id: 5, status: 'routed', status_label: '办理中', contact_phone: '138****1234', can_call: true, overdue: false })

  function item(answer) {
    server.on('GET', '/deputy/messages/5', () => ({ statusCode: 200, data: answer || ITEM }))
    const page = render('pages/deputy/item/item')
    page.instance.onLoad({ id: '5' })
    return page
  }

  test("what the citizen wrote, their phone, and a reply that lands in the thread", async () => {
    let replied = false
    server.on('GET', '/deputy/messages/5', () => ({
      statusCode: 200,
      data: replied
        ? detail({ id: 5, status: 'replied', status_label: '已答复', thread: ITEM.thread.concat([{ kind: 'reply', author: '王建国（县级人大代表）', content: '本周修好', created_at: '2026-11-16T02:00:00+00:00' }]) })
        : ITEM,
    }))
    server.on('POST', '/deputy/messages/5/replies', () => {
      replied = true
      return { statusCode: 201, data: { id: 1, message_id: 5, status: 'replied', notice: 'pending' } }
    })
    server.on('POST', '/deputy/messages/5/phone', () => ({ statusCode: 200, data: { contact_phone: '13800001234' } }))
    const page = render('pages/deputy/item/item')
    page.instance.onLoad({ id: '5' })
    await settle()
    expect(text(page, '#content')).toBe('金竹西路的路灯坏了一个月了')
    // Masked on the page; the number is asked for only on the tap (the server records it).
    expect(text(page, '#call')).toContain('回电 138****1234')
    expect(allText(page)).not.toContain('13800001234')
    expect(server.callsTo('POST', '/deputy/messages/5/phone')).toHaveLength(0)
    await tap(page, '#call', 20)
    expect(server.callsTo('POST', '/deputy/messages/5/phone')).toHaveLength(1)
    expect(wx.makePhoneCall).toHaveBeenCalledWith({ phoneNumber: '13800001234' })
    await tap(page, '#send-reply')
    expect(text(page, '#reply-error')).toBe('请填写答复内容')
    await type(page, '#reply', '本周修好')
    expect(text(page, '#reply-counter')).toBe('4/1000')
    await tap(page, '#send-reply', 40)
    expect(server.callsTo('POST', '/deputy/messages/5/replies')[0].data).toEqual({ content: '本周修好' })
    expect(text(page, '#thread')).toContain('本周修好')
    expect(text(page, '#status >>> .badge')).toBe('已答复')
    expect(shownMessages()).toContain('已答复')
  })

  test('an anonymous citizen: no phone button', async () => {
    const page = item(detail({ id: 5, anonymous: true, contact_phone: null, can_call: false }))
    await settle()
    expect(find(page, '#call')).toBeFalsy()
    expect(allText(page)).toContain('群众选择了匿名反映')
  })

  test('回电 that fails says why and calls nobody', async () => {
    server.on('POST', '/deputy/messages/5/phone', () => error(404, 'not_found', '找不到这条留言，或它已不由您负责'))
    const page = item()
    await settle()
    await tap(page, '#call', 20)
    expect(wx.makePhoneCall).not.toHaveBeenCalled()
    expect(shownMessages().join()).toContain('找不到这条留言')
  })

  test('no phone left: no 回电 button', async () => {
    const page = item(detail({ id: 5, contact_phone: null, can_call: false }))
    await settle()
    expect(find(page, '#call')).toBeFalsy()
  })

  test('a closed item has no reply box', async () => {
    const page = item(detail({ id: 5, status: 'closed', status_label: '已办结' }))
    await settle()
    expect(find(page, '#send-reply')).toBeFalsy()
  })

  test("not this deputy's item: the server's 404 message", async () => {
    server.on('GET', '/deputy/messages/5', () => error(404, 'not_found', '找不到这条留言，或它已不由您负责'))
    const page = render('pages/deputy/item/item')
    page.instance.onLoad({ id: '5' })
    await settle()
    expect(allText(page)).toContain('找不到这条留言，或它已不由您负责')
  })
})

describe('转交承办单位', () => {
  const UNITS = { units: [{ id: 3, name: '区城市管理局', answer_days: 7 }, { id: 4, name: '区住房和城乡建设局', answer_days: 10 }] }

  function item(answer) {
    server.on('GET', '/deputy/messages/5', () => ({ statusCode: 200, data: answer }))
    server.on('GET', '/deputy/units', () => ({ statusCode: 200, data: UNITS }))
    const page = render('pages/deputy/item/item')
    page.instance.onLoad({ id: '5' })
    return page
  }

  test('pick a unit, add a note, hand it on: the page shows the unit and its due date', async () => {
    let handed = false
    const transfer = { id: 9, status: 'handed', status_label: '已交办', unit: { id: 3, name: '区城市管理局' }, due_at: '2026-12-10T15:59:59+00:00' }
    server.on('POST', '/deputy/messages/5/transfer', () => {
      handed = true
      return { statusCode: 201, data: { transfer, notice: 'pending' } }
    })
    const page = item(detail({ id: 5, status: 'routed', status_label: '办理中' }))
    server.on('GET', '/deputy/messages/5', () => ({
      statusCode: 200,
      data: handed
        ? detail({ id: 5, status: 'transferred', status_label: '承办单位办理中', transfer })
        : detail({ id: 5, status: 'routed', status_label: '办理中' }),
    }))
    await settle()
    expect(find(page, '#transfer')).toBeFalsy()
    await tap(page, '#open-transfer', 20)
    expect(server.callsTo('GET', '/deputy/units')).toHaveLength(1)
    await tap(page, '#send-transfer')
    expect(text(page, '#transfer-error')).toBe('请选择承办单位')
    expect(server.callsTo('POST', '/deputy/messages/5/transfer')).toHaveLength(0)
    await fire(page, '#unit-picker', 'change', { value: '0' })
    expect(text(page, '#unit-chosen')).toBe('区城市管理局')
    await type(page, '#transfer-note', '请核实路灯')
    await tap(page, '#send-transfer', 40)
    expect(server.callsTo('POST', '/deputy/messages/5/transfer')[0].data).toEqual({ unit_id: 3, note: '请核实路灯' })
    expect(shownMessages()).toContain('已转交区城市管理局')
    expect(text(page, '#transfer-unit')).toBe('区城市管理局 · 已交办')
    expect(find(page, '#open-transfer')).toBeFalsy() // handed on: no second hand-over
  })

  test("the server's refusal (a second open transfer) is shown as it says", async () => {
    server.on('POST', '/deputy/messages/5/transfer', () =>
      error(409, 'already_transferred', '该事项已转交承办单位办理，不能重复转交')
    )
    const page = item(detail({ id: 5, status: 'routed', status_label: '办理中' }))
    await settle()
    await tap(page, '#open-transfer', 20)
    await fire(page, '#unit-picker', 'change', { value: '1' })
    await tap(page, '#send-transfer', 40)
    expect(text(page, '#transfer-error')).toBe('该事项已转交承办单位办理，不能重复转交')
  })

  test('an answered or closed item cannot be handed on', async () => {
    const page = item(detail({ id: 5, status: 'replied', status_label: '已答复' }))
    await settle()
    expect(find(page, '#open-transfer')).toBeFalsy()
  })
})
