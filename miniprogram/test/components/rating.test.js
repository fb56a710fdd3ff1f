const { render, tap, type } = require('../helpers')

test('three choices: 满意, 基本满意, 不满意', () => {
  const comp = render('components/rating/rating')
  const labels = comp.querySelectorAll('.choice').map((c) => c.dom.textContent.trim())
  expect(labels).toEqual(['满意', '基本满意', '不满意'])
})

test('nothing is sent until a choice is made and confirmed', async () => {
  const comp = render('components/rating/rating')
  const fired = []
  comp.addEventListener('rate', (e) => fired.push(e.detail))
  await tap(comp, '.rating-confirm')
  expect(fired).toEqual([])
  await tap(comp, comp.querySelectorAll('.choice')[1])
  expect(comp.querySelectorAll('.choice')[1].dom.className).toContain('chosen')
  await type(comp, '.rating-comment', ' 修得挺快 ')
  await tap(comp, '.rating-confirm')
  expect(fired).toEqual([{ score: 'basically_satisfied', comment: '修得挺快' }])
})

test('不满意 warns that the item will be handled again', async () => {
  const comp = render('components/rating/rating')
  expect(comp.querySelector('.rating-hint')).toBeFalsy()
  await tap(comp, comp.querySelectorAll('.choice')[2])
  expect(comp.querySelector('.rating-hint').dom.textContent).toContain('重新办理')
})

test('busy: no second event while one is being sent', async () => {
  const comp = render('components/rating/rating', { busy: true })
  const fired = []
  comp.addEventListener('rate', (e) => fired.push(e.detail))
  await tap(comp, comp.querySelectorAll('.choice')[0])
  await tap(comp, '.rating-confirm')
  expect(fired).toEqual([])
})
