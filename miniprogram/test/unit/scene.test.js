const { mod } = require('../helpers')

let scene
beforeEach(() => {
  scene = mod('utils/scene')
})

describe('entry from a mini-program code (options.scene)', () => {
  test.each([
    ['s.abcd1234', 's.abcd1234'],
    ['d.k3m9x2pq', 'd.k3m9x2pq'],
    [encodeURIComponent('s.abcd1234'), 's.abcd1234'],
    ['S.ABCD1234', 's.abcd1234'],
    ['s%252Eabcd1234', 's.abcd1234'], // encoded twice
    ['x.abcd1234', null],
    ['s.ab', null],
    ['1047', null], // an App launch scene number is not ours
  ])('%s -> %s', (raw, expected) => {
    expect(scene.sceneFromOptions({ scene: raw })).toBe(expected)
  })
})

describe('entry from a plain QR code (options.q)', () => {
  test.each([
    ['https://lz.example.cn/q/s.abcd1234', 's.abcd1234'],
    ['https://lz.example.cn/q/d.k3m9x2pq?from=poster', 'd.k3m9x2pq'],
    ['http://127.0.0.1:8000/q/s.abcd1234#top', 's.abcd1234'],
    ['https://lz.example.cn/other/s.abcd1234', null],
    ['not a url', null],
  ])('%s -> %s', (url, expected) => {
    expect(scene.sceneFromOptions({ q: encodeURIComponent(url) })).toBe(expected)
  })

  test('scene wins over q, and nothing gives null', () => {
    expect(scene.sceneFromOptions({ scene: 's.abcd1234', q: encodeURIComponent('https://x/q/d.zzzz9999') })).toBe('s.abcd1234')
    expect(scene.sceneFromOptions({})).toBeNull()
    expect(scene.sceneFromOptions(undefined)).toBeNull()
  })
})

describe('wx.scanCode results', () => {
  test('a mini-program code gives a path with the scene', () => {
    expect(scene.sceneFromScanResult({ path: 'pages/entry/entry?scene=s.abcd1234', result: '' })).toBe('s.abcd1234')
    expect(scene.sceneFromScanResult({ path: 'pages/entry/entry?scene=d%2Ek3m9x2pq' })).toBe('d.k3m9x2pq')
  })
  test('a plain QR gives the URL, or bare text', () => {
    expect(scene.sceneFromScanResult({ result: 'https://lz.example.cn/q/s.abcd1234' })).toBe('s.abcd1234')
    expect(scene.sceneFromScanResult({ result: 'd.k3m9x2pq' })).toBe('d.k3m9x2pq')
    expect(scene.sceneFromScanResult({ result: 'https://weixin.qq.com/somebody' })).toBeNull()
  })
  test('kind of a scene', () => {
    expect(scene.kindOfScene('s.abcd1234')).toBe('station')
    expect(scene.kindOfScene('d.abcd1234')).toBe('deputy')
  })
})

describe('invite codes, typed or scanned', () => {
  test.each([
    ['ABCD2345', 'ABCD2345'],
    ['  abcd2345 ', 'ABCD2345'],
    ['ABCD-2345', 'ABCD2345'],
    ['https://lz.example.cn/admin/invite?code=abcd2345', 'ABCD2345'],
    ['https://lz.example.cn/bind?x=1&code=ABCD2345&y=2', 'ABCD2345'],
    [encodeURIComponent('https://lz.example.cn/bind?code=ABCD2345'), 'ABCD2345'],
    ['pages/deputy/bind/bind?code=ABCD2345', 'ABCD2345'],
    ['', null],
    ['邀请码', null],
    ['https://lz.example.cn/bind', null],
  ])('%s -> %s', (input, expected) => {
    expect(scene.inviteFromText(input)).toBe(expected)
  })
})
