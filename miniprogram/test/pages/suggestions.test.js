/** 代表建议 in deputy mode: draft from selected items, 附议 confirmation, submit, status, rating. */
const { render, mod, server, settle, text, allText, tap, type, find, summary, error, shownMessages } = require('../helpers')

beforeEach(() => {
  mod('utils/api').configure({ baseUrl: 'https://lz.example.cn', retryDelays: [1, 1], sandbox: null })
  wx.setStorageSync('lz.token', 't')
})

function suggestion(overrides) {
  return Object.assign(
    {
      id: 3,
      number: null,
      title: '关于修复金竹西路路面的建议',
      status: 'draft',
      status_label: '草稿',
      my_role: 'lead',
      my_state: 'confirmed',
      unit: null,
      due_at: null,
      answer: null,
      grade: null,
      review_remarks: null,
      co_deputies: [],
      evaluations: [],
    },
    overrides
  )
}

function listPage(suggestions) {
  server.on('GET', '/deputy/suggestions', () => ({ statusCode: 200, data: { suggestions: suggestions() } }))
  const page = render('pages/deputy/suggestions/suggestions')
  page.instance.onShow()
  return page
}

describe('drafting', () => {
  function draftPage(options) {
    server.on('GET', '/deputy/inbox', () => ({
      statusCode: 200,
      data: {
        items: [summary({ id: 11, content: '金竹西路路面坑洼' }), summary({ id: 12, content: '金竹西路积水' })],
        counts: {},
        page: 1,
        per_page: 100,
        total: 2,
      },
    }))
    server.on('GET', '/deputy/suggestions/colleagues', () => ({
      statusCode: 200,
      data: { deputies: [{ id: 8, name: '李秀兰', level: '市' }] },
    }))
    const page = render('pages/deputy/suggest/suggest')
    page.instance.onLoad(options || {})
    page.instance.onShow()
    return page
  }

  test('from the selected items, with a colleague asked to 附议', async () => {
    server.on('POST', '/deputy/suggestions', () => ({ statusCode: 201, data: { suggestion: suggestion(), notices: [] } }))
    const page = draftPage({ id: '11' })
    await settle(30)
    expect(text(page, '#item-11')).toContain('☑') // opened from an item: that item is picked
    await tap(page, '#item-12')
    await tap(page, '#co-8')
    await type(page, '#title', '关于修复金竹西路路面的建议')
    await type(page, '#content', '建议列入年度道路维修计划')
    await tap(page, '#save', 30)
    expect(server.callsTo('POST', '/deputy/suggestions')[0].data).toEqual({
      title: '关于修复金竹西路路面的建议',
      content: '建议列入年度道路维修计划',
      message_ids: [11, 12],
      co_deputy_ids: [8],
    })
    expect(wx.redirectTo).toHaveBeenCalledWith({ url: '/pages/deputy/suggestions/suggestions' })
  })

  test('nothing is sent without an item or a title; the server refusal is shown as it says', async () => {
    server.on('POST', '/deputy/suggestions', () =>
      error(403, 'not_your_item', '只能用由您本人办理的群众反映提出建议', { message_ids: '其中有不由您办理的事项' })
    )
    const page = draftPage()
    await settle(30)
    await tap(page, '#save')
    expect(text(page, '#error')).toBe('请至少选择一件群众反映')
    await tap(page, '#item-11')
    await tap(page, '#save')
    expect(text(page, '#error')).toBe('请填写建议标题')
    expect(server.callsTo('POST', '/deputy/suggestions')).toHaveLength(0)
    await type(page, '#title', '标题')
    await type(page, '#content', '内容')
    await tap(page, '#save', 30)
    expect(text(page, '#error')).toBe('只能用由您本人办理的群众反映提出建议')
    expect(wx.redirectTo).not.toHaveBeenCalled()
  })
})

describe('my suggestions', () => {
  test('a 附议 deputy confirms; only then does the lead see it ready to submit', async () => {
    let state = 'pending'
    server.on('POST', '/deputy/suggestions/3/confirm', () => {
      state = 'confirmed'
      return { statusCode: 200, data: { suggestion: suggestion() } }
    })
    const page = listPage(() => [suggestion({ my_role: 'co', my_state: state })])
    await settle(30)
    expect(text(page, '#s-3')).toContain('附议')
    expect(find(page, '#s-3 .submit')).toBeFalsy() // a co-deputy never submits
    await tap(page, '#s-3 .confirm', 30)
    expect(server.callsTo('POST', '/deputy/suggestions/3/confirm')[0].data).toEqual({ confirm: true })
    expect(find(page, '#s-3 .confirm')).toBeFalsy()
  })

  test('the lead submits a draft; a refusal (附议 still pending) is shown', async () => {
    server.on('POST', '/deputy/suggestions/3/submit', () =>
      error(409, 'co_pending', '还有附议代表未确认：李秀兰，确认后才能提交')
    )
    const page = listPage(() => [suggestion({ co_deputies: [{ id: 8, name: '李秀兰', state: 'pending' }] })])
    await settle(30)
    expect(text(page, '#s-3 .co-pending')).toBe('待附议代表确认：李秀兰')
    await tap(page, '#s-3 .submit', 30)
    expect(shownMessages().join()).toContain('还有附议代表未确认：李秀兰')
  })

  test('status, unit, due date and answer; the lead rates it, 不满意 included', async () => {
    const page = listPage(() => [
      suggestion({
        number: '〔2026〕第 0001 号',
        status: 'answered',
        status_label: '已答复待评价',
        unit: '区城市管理局',
        due_at: '2027-02-23T15:59:59+00:00',
        answer: '列入明年计划',
        grade: 'B',
      }),
    ])
    server.on('POST', '/deputy/suggestions/3/evaluation', () => ({ statusCode: 200, data: { suggestion: suggestion() } }))
    await settle(30)
    const shown = allText(page)
    expect(shown).toContain('〔2026〕第 0001 号')
    expect(text(page, '#s-3 .unit')).toContain('主办单位：区城市管理局')
    expect(text(page, '#s-3 .answer')).toBe('答复（B 列入计划逐步解决）：列入明年计划')
    await tap(page, '#s-3 .score-unsatisfied', 30)
    expect(server.callsTo('POST', '/deputy/suggestions/3/evaluation')[0].data).toEqual({ score: 'unsatisfied', comment: '' })
  })

  test('a co-deputy cannot rate; returned drafts show the review remarks', async () => {
    const page = listPage(() => [
      suggestion({ id: 4, my_role: 'co', status: 'answered', answer: '已修复', grade: 'A' }),
      suggestion({ id: 5, status: 'returned', status_label: '退回修改', review_remarks: '请写明路段' }),
    ])
    await settle(30)
    expect(find(page, '#s-4 .score-satisfied')).toBeFalsy()
    expect(text(page, '#s-5 .remarks')).toBe('审查意见：请写明路段')
    expect(find(page, '#s-5 .submit')).toBeTruthy()
  })
})
