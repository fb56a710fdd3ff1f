/**
 * The 长辈版 switch: on the entry page and 我的, followed by every open page, remembered; and no
 * pop-ups while it is on. Its sizes are measured in test/looks.test.js.
 */
const { mod, settle, render, tap, fire, find, text } = require('./helpers')

function rootClass(page) {
  return page.dom.querySelector('wx-view').className
}

test('the 长辈版 switch on the entry page turns every open page to 长辈版, and is remembered', async () => {
  const entry = render('pages/entry/entry')
  entry.instance.onLoad({})
  const mine = render('pages/mine/mine') // a page further down the stack
  await settle()
  expect(text(entry, '#elder >>> .switch-hint')).toBe('开启后字更大、按钮更大')
  await fire(entry, '#elder >>> #elder-switch', 'change', { value: true })
  expect(rootClass(entry)).toMatch(/--elder\b/)
  expect(rootClass(mine)).toMatch(/--elder\b/)
  expect(text(entry, '#elder >>> .switch-hint')).toBe('已开启：大字、大按钮、不弹窗')
  expect(wx.setStorageSync).toHaveBeenCalledWith('lz.elder', true)

  // The next launch reads it back.
  const stored = wx.getStorageSync('lz.elder')
  jest.resetModules()
  wx.setStorageSync('lz.elder', stored)
  const again = render('pages/detail/detail')
  await settle()
  expect(rootClass(again)).toMatch(/--elder\b/)
})

test('the switch on 我的 turns it off again', async () => {
  wx.setStorageSync('lz.elder', true)
  const mine = render('pages/mine/mine')
  await settle()
  expect(rootClass(mine)).toMatch(/--elder\b/)
  await fire(mine, '#elder >>> #elder-switch', 'change', { value: false })
  expect(rootClass(mine)).not.toMatch(/--elder\b/)
  expect(wx.getStorageSync('lz.elder')).toBe(false)
})

test('长辈版 has no pop-ups: errors and questions are shown in the page, not as dialogs', async () => {
  wx.setStorageSync('lz.elder', true)
  const notify = mod('utils/notify')
  const page = render('pages/mine/mine')
  await settle()
  notify.showError(new Error('该邀请码已被使用，请联系联络站工作人员重新生成'))
  await settle(2)
  expect(text(page, '#inline-alert >>> #alert-text')).toBe('该邀请码已被使用，请联系联络站工作人员重新生成')
  expect(wx.showModal).not.toHaveBeenCalled()
  expect(wx.showToast).not.toHaveBeenCalled()
  await tap(page, '#inline-alert >>> #alert-confirm')
  expect(find(page, '#inline-alert >>> #alert')).toBeFalsy()
})
