/**
 * The form: counter and limits from the server, validation, photos (limit, progress, retry),
 * and the submit tap: consent first, then one submission per form whatever the network does.
 */
const { render, mod, server, order, settle, text, allText, tap, type, fire, find, scanAnswer, acceptLogin, error, shownMessages, TEMPLATES } =
  require('../helpers')

const CREATED = { id: 42, tracking_no: '26111612345678', status: 'received' }

function open(limits) {
  server.on('GET', '/scan/s.abcd1234', () => ({
    statusCode: 200,
    data: scanAnswer({ limits: Object.assign({ content_max_chars: 20, max_photos: 3, max_upload_bytes: 1024 * 1024 }, limits) }),
  }))
  const page = render('pages/submit/submit')
  page.instance.onLoad({ scene: 's.abcd1234' })
  return page
}

async function fillValid(page) {
  await fire(page, '#category-picker', 'change', { value: '2' })
  await type(page, '#content', '学校门口的斑马线看不清了')
}

let uploads
beforeEach(() => {
  mod('utils/api').configure({ baseUrl: 'https://lz.example.cn', retryDelays: [1, 1], sandbox: null })
  acceptLogin()
  uploads = 0
  server.on('POST', '/uploads', () => {
    uploads += 1
    return { statusCode: 201, data: { upload_id: 'up' + uploads } }
  })
  server.on('POST', '/messages', () => ({ statusCode: 201, data: CREATED }))
})

test("the counter follows the text and the server's limit", async () => {
  const page = open()
  await settle()
  expect(text(page, '#counter')).toBe('0/20')
  await type(page, '#content', '路灯坏了')
  expect(text(page, '#counter')).toBe('4/20')
  await type(page, '#content', '一二三四五六七八九十一二三四五六七八九十多两字')
  expect(text(page, '#counter')).toBe('23/20')
  expect(find(page, '#counter').dom.className).toContain('over')
  expect(text(page, '#over')).toBe('已超出3字，请删减')
})

test('an empty form is stopped here, before consent and before the server', async () => {
  const page = open()
  await settle()
  await tap(page, '#submit')
  expect(text(page, '#error-category')).toBe('请选择反映类别')
  expect(text(page, '#error-content')).toBe('请填写反映内容')
  expect(wx.requestSubscribeMessage).not.toHaveBeenCalled()
  expect(server.callsTo('POST', '/messages')).toHaveLength(0)
  // Fixing a field clears its error.
  await fire(page, '#category-picker', 'change', { value: '0' })
  expect(find(page, '#error-category')).toBeFalsy()
  expect(text(page, '#category')).toBe('城乡建设')
})

test('too long a text and a bad phone number are stopped too', async () => {
  const page = open()
  await settle()
  await fire(page, '#category-picker', 'change', { value: '0' })
  await type(page, '#content', '一二三四五六七八九十一二三四五六七八九十多')
  await type(page, '#phone', '12345')
  await tap(page, '#submit')
  expect(text(page, '#error-phone')).toBe('请填写正确的手机号或座机号')
  expect(wx.showToast).toHaveBeenCalled()
  expect(server.callsTo('POST', '/messages')).toHaveLength(0)
})

test('长辈版: a stopped form says why in the page, with no toast', async () => {
  mod('utils/elder').setOn(true)
  const page = open()
  await settle()
  await fire(page, '#category-picker', 'change', { value: '0' })
  await type(page, '#phone', '12345')
  await tap(page, '#submit')
  expect(text(page, '#error-content')).toBeTruthy()
  expect(text(page, '#inline-alert >>> #alert-text')).toBe(text(page, '#error-content'))
  expect(wx.showToast).not.toHaveBeenCalled()
  expect(server.callsTo('POST', '/messages')).toHaveLength(0)
})

test('photos: no more than the server allows', async () => {
  wx.chooseMedia.mockImplementation((opts) =>
    opts.success({
      tempFiles: Array.from({ length: opts.count + 2 }, (_, i) => ({ tempFilePath: 'wxfile://tmp/' + i + '.jpg', size: 2000 })),
    })
  )
  const page = open()
  await settle()
  expect(text(page, '#add-photo')).toContain('0/3')
  await tap(page, '#add-photo', 40)
  expect(wx.chooseMedia.mock.calls[0][0]).toMatchObject({ count: 3, mediaType: ['image'] })
  expect(page.querySelectorAll('.photo-done')).toHaveLength(3) // 5 picked, 3 kept
  expect(find(page, '#add-photo')).toBeFalsy()
  expect(uploads).toBe(3)
  expect(server.callsTo('POST', '/uploads')).toHaveLength(3)
  // One removed: room for one more, and chooseMedia is asked for just one.
  await tap(page, '.photo-remove')
  expect(text(page, '#add-photo')).toContain('2/3')
  await tap(page, '#add-photo', 40)
  expect(wx.chooseMedia.mock.calls[1][0].count).toBe(1)
})

test('photos: progress while uploading, a failed one can be retried, a too large one is not sent', async () => {
  let fail = true
  server.on('POST', '/uploads', () => {
    if (fail) return error(503, 'unavailable', '服务暂时不可用，请稍后再试')
    return { statusCode: 201, data: { upload_id: 'ok1' } }
  })
  wx.chooseMedia.mockImplementation((opts) =>
    opts.success({
      tempFiles: [
        { tempFilePath: 'wxfile://tmp/a.jpg', size: 2000 },
        { tempFilePath: 'wxfile://tmp/huge.jpg', size: 5 * 1024 * 1024 },
      ],
    })
  )
  const page = open()
  await settle()
  await tap(page, '#add-photo', 60)
  expect(find(page, '.photo-too_large')).toBeTruthy()
  expect(text(page, '.photo-too_large .photo-error')).toBe('超过1MB，请删除')
  expect(find(page, '.photo-failed .photo-retry')).toBeTruthy()
  expect(allText(page)).toContain('服务暂时不可用，请稍后再试')
  // The form refuses to go with a failed photo.
  await fillValid(page)
  await tap(page, '#submit')
  expect(text(page, '#error-photos')).toContain('重试')
  expect(server.callsTo('POST', '/messages')).toHaveLength(0)
  // Retry works; the too large one is deleted; now the form goes.
  fail = false
  await tap(page, '.photo-retry', 40)
  expect(page.querySelectorAll('.photo-done')).toHaveLength(1)
  expect(page.instance.data.photos[0].progress).toBe(100)
  await tap(page, '.photo-too_large .photo-remove')
  await tap(page, '#submit', 40)
  expect(server.callsTo('POST', '/messages')[0].data.photos).toEqual(['ok1'])
  const uploadCalls = wx.uploadFile.mock.calls.map((c) => c[0].filePath)
  expect(uploadCalls).not.toContain('wxfile://tmp/huge.jpg')
})

test('the submit tap asks for the whole loop\'s notices first, then submits what was accepted', async () => {
  const page = open()
  await settle()
  await fillValid(page)
  await fire(page, '#anonymous', 'change', { value: true })
  await fire(page, '#no-publish', 'change', { value: true })
  await type(page, '#phone', '13800001234')
  order.length = 0
  await tap(page, '#submit', 40)
  const consentAt = order.findIndex((o) => o.startsWith('requestSubscribeMessage'))
  const submitAt = order.findIndex((o) => o === 'request POST /api/v1/messages')
  expect(consentAt).toBeGreaterThanOrEqual(0)
  expect(consentAt).toBeLessThan(submitAt)
  // reply, progress and 「问题解决了吗」 in one dialog, in the order the loop spends them
  expect(wx.requestSubscribeMessage.mock.calls[0][0].tmplIds).toEqual([
    TEMPLATES.reply,
    TEMPLATES.progress,
    TEMPLATES.solved,
  ])
  const sent = server.callsTo('POST', '/messages')[0]
  expect(sent.data).toEqual({
    scene: 's.abcd1234',
    category: 3,
    content: '学校门口的斑马线看不清了',
    photos: [],
    anonymous: true,
    no_publish: true,
    contact_phone: '13800001234',
    subscribed: [TEMPLATES.reply, TEMPLATES.progress, TEMPLATES.solved],
  })
  expect(sent.header['Idempotency-Key']).toMatch(/^[A-Za-z0-9_-]{8,64}$/)
  // The tracking number is shown, and the citizen is told a notice will come.
  expect(text(page, '#tracking-no')).toBe('26111612345678')
  expect(text(page, '#notice-hint')).toContain('您会收到微信通知')
})

test('accepting only some of the three templates reports exactly those', async () => {
  wx.requestSubscribeMessage.mockImplementation((opts) =>
    opts.success({ [opts.tmplIds[0]]: 'accept', [opts.tmplIds[1]]: 'reject', [opts.tmplIds[2]]: 'accept' })
  )
  const page = open()
  await settle()
  await fillValid(page)
  await tap(page, '#submit', 40)
  expect(server.callsTo('POST', '/messages')[0].data.subscribed).toEqual([TEMPLATES.reply, TEMPLATES.solved])
})

test('an old server that names only the reply template is asked for that one', async () => {
  server.on('GET', '/scan/s.abcd1234', () => ({
    statusCode: 200,
    data: scanAnswer({ subscribe_templates: { reply: 'server-reply-id' } }),
  }))
  const page = render('pages/submit/submit')
  page.instance.onLoad({ scene: 's.abcd1234' })
  await settle()
  await fillValid(page)
  await tap(page, '#submit', 40)
  const asked = wx.requestSubscribeMessage.mock.calls[0][0].tmplIds
  expect(asked[0]).toBe('server-reply-id')
  expect(asked).toHaveLength(3) // progress and solved from the build's own configuration
})

test('refusing notices still submits, with nothing subscribed', async () => {
  wx.requestSubscribeMessage.mockImplementation((opts) => opts.success({ [opts.tmplIds[0]]: 'reject' }))
  const page = open()
  await settle()
  await fillValid(page)
  await tap(page, '#submit', 40)
  expect(server.callsTo('POST', '/messages')[0].data.subscribed).toEqual([])
  expect(text(page, '#notice-hint')).toContain('您没有开启通知')
})

test('consent that fails altogether (old WeChat) does not block submitting', async () => {
  wx.requestSubscribeMessage.mockImplementation((opts) => opts.fail({ errMsg: 'requestSubscribeMessage:fail' }))
  const page = open()
  await settle()
  await fillValid(page)
  await tap(page, '#submit', 40)
  expect(text(page, '#tracking-no')).toBe('26111612345678')
})

test('a flaky network: one Idempotency-Key for the form, across automatic and manual retries', async () => {
  let attempts = 0
  server.on('POST', '/messages', () => {
    attempts += 1
    if (attempts <= 3) throw 'connection reset' // the first tap: the try and both retries fail
    return { statusCode: 201, data: CREATED }
  })
  const page = open()
  await settle()
  await fillValid(page)
  await tap(page, '#submit', 60)
  expect(attempts).toBe(3)
  expect(shownMessages()).toContain('网络连接失败，请检查网络后重试')
  expect(find(page, '#submit')).toBeTruthy() // still on the form
  // The citizen taps again: same key, same body, and no second consent dialog.
  await tap(page, '#submit', 60)
  const calls = server.callsTo('POST', '/messages')
  expect(calls).toHaveLength(4)
  expect(new Set(calls.map((c) => c.header['Idempotency-Key'])).size).toBe(1)
  expect(new Set(calls.map((c) => JSON.stringify(c.data))).size).toBe(1)
  expect(wx.requestSubscribeMessage).toHaveBeenCalledTimes(1)
  expect(text(page, '#tracking-no')).toBe('26111612345678')
})

test("the server's refusal is shown as it says, next to the field", async () => {
  server.on('POST', '/messages', () =>
    error(422, 'content_risky', '内容未通过安全检查，请修改后再提交', { content: '内容含有不适宜公开的信息，请修改' })
  )
  const page = open()
  await settle()
  await fillValid(page)
  await tap(page, '#submit', 40)
  expect(text(page, '#error-content')).toBe('内容含有不适宜公开的信息，请修改')
  expect(wx.showModal).toHaveBeenCalledWith(expect.objectContaining({ content: '内容未通过安全检查，请修改后再提交' }))
})

test('a place can be picked and cleared', async () => {
  wx.chooseLocation.mockImplementation((opts) =>
    opts.success({ name: '金竹小学', address: '贵阳市花溪区金竹西路', latitude: 26.5, longitude: 106.7 })
  )
  const page = open()
  await settle()
  await tap(page, '#choose-place')
  expect(text(page, '#place')).toContain('贵阳市花溪区金竹西路 金竹小学')
  await fillValid(page)
  await tap(page, '#submit', 40)
  expect(server.callsTo('POST', '/messages')[0].data.location).toEqual({
    lat: 26.5,
    lng: 106.7,
    address: '贵阳市花溪区金竹西路 金竹小学',
  })
})

test('without a scene the form explains what to do', async () => {
  const page = render('pages/submit/submit')
  page.instance.onLoad({})
  await settle()
  expect(allText(page)).toContain('请先扫描联络站或代表的二维码')
})

test('what is not accepted here, and where to go, is shown before writing', async () => {
  const page = open()
  await settle()
  const shown = text(page, '#scope')
  expect(shown).toContain('不在受理范围')
  expect(shown).toContain('请立即拨打 119、110、120')
  expect(shown).toContain('12345')
})
