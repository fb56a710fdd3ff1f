const { mod } = require('../helpers')

let format
beforeEach(() => {
  format = mod('utils/format')
})

test('times are shown in Beijing time whatever the offset they come with', () => {
  expect(format.formatTime('2026-11-16T01:05:00+00:00')).toBe('2026年11月16日 09:05')
  expect(format.formatTime('2026-11-16T23:30:00+08:00')).toBe('2026年11月16日 23:30')
  expect(format.formatTime('2026-11-15T16:30:00Z')).toBe('2026年11月16日 00:30')
  expect(format.formatTime('')).toBe('')
})

test('reception days read as month, day and weekday', () => {
  expect(format.formatDay('2026-11-16')).toBe('11月16日 周一')
  expect(format.formatDay('2026-11-22')).toBe('11月22日 周日')
})

test('characters are counted as the server counts them', () => {
  expect(format.charCount('路灯坏了')).toBe(4)
  expect(format.charCount('  路 灯 ')).toBe(3) // trimmed, inner space counts
  expect(format.charCount('👍路灯')).toBe(3) // an emoji is one character, not two
})

test('deputy levels, ratings and sizes', () => {
  expect(format.levelLabel('县')).toBe('县级人大代表')
  expect(format.levelLabel('全国')).toBe('全国人大代表')
  expect(format.ratingLabel('basically_satisfied')).toBe('基本满意')
  expect(format.RATINGS.map((r) => r.label)).toEqual(['满意', '基本满意', '不满意'])
  expect(format.megabytes(10 * 1024 * 1024)).toBe('10MB')
  expect(format.megabytes(1.5 * 1024 * 1024)).toBe('1.5MB')
  expect(format.statusTone('replied')).toBe('success')
  expect(format.statusTone('something-new')).toBe('info')
})
