/**
 * The privacy guide (用户隐私保护指引): WeChat holds photos, place, clipboard and microphone
 * until the person agrees, and asks through wx.onNeedPrivacyAuthorization; our own prompt
 * answers. Refused: text-only submission still works and the photo and place buttons say why.
 */
const { render, mod, server, settle, text, allText, tap, type, fire, find, scanAnswer, acceptLogin } = require('../helpers')
const wxMock = require('../wx-mock')
const { visiblePrompt } = require('../scenarios')

const CREATED = { id: 42, tracking_no: '26111612345678', status: 'received' }
const PHOTO = { tempFiles: [{ tempFilePath: 'wxfile://tmp/a.jpg', size: 2000 }] }
const PLACE = { name: '金竹小学', address: '贵阳市花溪区金竹西路', latitude: 26.5, longitude: 106.7 }

async function form() {
  server.on('GET', '/scan/s.abcd1234', () => ({ statusCode: 200, data: scanAnswer() }))
  const page = render('pages/submit/submit')
  page.instance.onLoad({ scene: 's.abcd1234' })
  await settle()
  return page
}

async function fillText(page) {
  await fire(page, '#category-picker', 'change', { value: '0' })
  await type(page, '#content', '路灯坏了一个月了')
}

let uploads
beforeEach(() => {
  mod('utils/api').configure({ baseUrl: 'https://lz.example.cn', retryDelays: [1, 1], sandbox: null })
  acceptLogin()
  uploads = 0
  server.on('POST', '/uploads', () => ({ statusCode: 201, data: { upload_id: 'up' + ++uploads } }))
  server.on('POST', '/messages', () => ({ statusCode: 201, data: CREATED }))
  wxMock.privacy.agreed = false
  wx.chooseMedia.mockImplementation(wxMock.gated('chooseMedia', (opts) => opts.success(PHOTO)))
  wx.chooseLocation.mockImplementation(wxMock.gated('chooseLocation', (opts) => opts.success(PLACE)))
})

test('refused: the photo and place buttons say why, and a text-only message still goes', async () => {
  const page = await form()
  expect(wx.onNeedPrivacyAuthorization).toHaveBeenCalled()
  await tap(page, '#add-photo', 30)
  const prompt = visiblePrompt(page)
  expect(prompt).toBeTruthy()
  expect(text(prompt, '#privacy-reason')).toBe('添加照片需要读取您选中的照片。使用前请阅读并同意')
  expect(text(prompt, '#privacy-contract')).toBe('《码上联络站小程序隐私保护指引》')
  expect(wxMock.privacy.resolved).toEqual([{ event: 'exposureAuthorization' }])

  await tap(prompt, '#privacy-disagree', 30)
  expect(visiblePrompt(page)).toBeNull()
  expect(wxMock.privacy.resolved[1]).toEqual({ event: 'disagree' })
  expect(text(page, '#add-photo')).toBe('添加照片（需先同意隐私保护指引）')
  expect(text(page, '#photos-why')).toContain('暂时不能添加照片；不加照片也可以提交')
  expect(text(page, '#choose-place')).toBe('选择地点（需先同意隐私保护指引）')
  expect(text(page, '#place-why')).toContain('不选地点也可以提交')
  // Refused is not an error: nothing alarming shown, nothing asked again by itself.
  expect(wx.showModal).not.toHaveBeenCalled()
  expect(wx.showToast).not.toHaveBeenCalled()
  expect(wx.chooseMedia).toHaveBeenCalledTimes(1)
  expect(wx.chooseLocation).not.toHaveBeenCalled()

  await fillText(page)
  await tap(page, '#submit', 40)
  const sent = server.callsTo('POST', '/messages')
  expect(sent).toHaveLength(1)
  expect(sent[0].data.photos).toEqual([])
  expect(sent[0].data).not.toHaveProperty('location')
  expect(sent[0].data.content).toBe('路灯坏了一个月了')
  expect(server.callsTo('POST', '/uploads')).toHaveLength(0)
  expect(text(page, '#tracking-no')).toBe('26111612345678')
})

test('refused, then a tap on the button asks again; still refused stays text only, no loop', async () => {
  const page = await form()
  await tap(page, '#choose-place', 30)
  await tap(visiblePrompt(page), '#privacy-disagree', 30)
  expect(text(page, '#place-why')).toContain('暂时不能在地图上选择地点')
  await tap(page, '#choose-place', 30)
  expect(wx.requirePrivacyAuthorize).toHaveBeenCalledTimes(1)
  expect(text(visiblePrompt(page), '#privacy-reason')).toContain('选择地点需要用到您在地图上选中的位置')
  await tap(visiblePrompt(page), '#privacy-disagree', 30)
  await settle(10)
  expect(wx.requirePrivacyAuthorize).toHaveBeenCalledTimes(1)
  expect(wx.chooseLocation).toHaveBeenCalledTimes(1)
  expect(text(page, '#choose-place')).toBe('选择地点（需先同意隐私保护指引）')
})

test('agreed: the waiting call goes on — the photo is picked, uploaded and sent', async () => {
  const page = await form()
  await tap(page, '#add-photo', 30)
  const prompt = visiblePrompt(page)
  await fire(prompt, '.panel-agree', 'agreeprivacyauthorization', {})
  await settle(40)
  expect(wxMock.privacy.resolved).toContainEqual({ buttonId: 'privacy-agree-page', event: 'agree' })
  expect(visiblePrompt(page)).toBeNull()
  expect(page.querySelectorAll('.photo-done')).toHaveLength(1)
  // Agreed once is agreed for every interface: the place needs no second prompt.
  await tap(page, '#choose-place', 30)
  expect(visiblePrompt(page)).toBeNull()
  expect(text(page, '#place')).toContain('金竹小学')
  await fillText(page)
  await tap(page, '#submit', 40)
  const body = server.callsTo('POST', '/messages')[0].data
  expect(body.photos).toEqual(['up1'])
  expect(body.location).toMatchObject({ lat: 26.5, lng: 106.7 })
})

test('refused first, agreed on the second ask: the photo button works again', async () => {
  const page = await form()
  await tap(page, '#add-photo', 30)
  await tap(visiblePrompt(page), '#privacy-disagree', 30)
  await tap(page, '#add-photo', 30)
  await fire(visiblePrompt(page), '.panel-agree', 'agreeprivacyauthorization', {})
  await settle(40)
  expect(find(page, '#photos-why')).toBeFalsy()
  expect(page.querySelectorAll('.photo-done')).toHaveLength(1)
  expect(wx.chooseMedia).toHaveBeenCalledTimes(2)
})

test('the link opens the privacy guide itself', async () => {
  const page = await form()
  await tap(page, '#add-photo', 30)
  await tap(visiblePrompt(page), '#privacy-contract')
  expect(wx.openPrivacyContract).toHaveBeenCalledTimes(1)
})

test('长辈版: no dialog over the page — the question appears right under the button that asked', async () => {
  mod('utils/elder').setOn(true)
  const page = await form()
  await tap(page, '#add-photo', 30)
  expect(find(page, '#privacy-photos >>> #privacy')).toBeTruthy()
  expect(find(page, '#privacy-page >>> #privacy')).toBeFalsy()
  expect(find(page, '#privacy-photos >>> .mask')).toBeFalsy()
  await tap(find(page, '#privacy-photos'), '#privacy-disagree', 30)
  await tap(page, '#choose-place', 30)
  expect(find(page, '#privacy-place >>> #privacy')).toBeTruthy()
  expect(find(page, '#privacy-photos >>> #privacy')).toBeFalsy()
})

test('normal mode: the general prompt, a dialog with a mask', async () => {
  const page = await form()
  await tap(page, '#choose-place', 30)
  expect(find(page, '#privacy-page >>> .mask')).toBeTruthy()
  expect(find(page, '#privacy-place >>> #privacy')).toBeFalsy()
})

test('a private call with no prompt on the page is refused, never left hanging', async () => {
  const privacy = mod('utils/privacy')
  privacy.start()
  const failed = jest.fn()
  wx.chooseMedia({ success: jest.fn(), fail: failed })
  await settle(10)
  expect(failed).toHaveBeenCalledWith(expect.objectContaining({ errno: 104 }))
  expect(privacy.state().refused).toBe(true)
})

test('copying the tracking number when the guide was refused says what to do instead', async () => {
  wx.setClipboardData.mockImplementation(wxMock.gated('setClipboardData', (opts) => opts.success && opts.success({})))
  mod('utils/elder').setOn(true)
  const page = await form()
  await fillText(page)
  await tap(page, '#submit', 40)
  await tap(page, '.done .secondary', 30) // 复制受理编号
  expect(find(page, '#privacy-copy >>> #privacy')).toBeTruthy()
  await tap(find(page, '#privacy-copy'), '#privacy-disagree', 30)
  expect(text(page, '#inline-alert >>> #alert-text')).toBe('没有复制。您可以长按受理编号复制，或记下来')
  expect(allText(page)).toContain('26111612345678')
})
