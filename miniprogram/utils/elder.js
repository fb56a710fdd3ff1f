/**
 * 长辈版 (care mode): larger text and tap targets, no pop-ups. One switch for the whole
 * mini-program, remembered on the phone; every page and component mixes in behavior(), which
 * keeps `elder` in its data in step with the switch, and puts the `elder` class on its root.
 * Sizes themselves live in the .wxss files (`.elder …` rules).
 */
const STORAGE_KEY = 'lz.elder'

const listeners = []
let on = null
let cachedBehavior = null

function isOn() {
  if (on === null) {
    try {
      on = wx.getStorageSync(STORAGE_KEY) === true
    } catch (e) {
      on = false
    }
  }
  return on
}

function setOn(value) {
  on = !!value
  try {
    wx.setStorageSync(STORAGE_KEY, on)
  } catch (e) {
    /* a full phone: the switch still holds for this run */
  }
  listeners.slice().forEach((listener) => listener(on))
}

/** Call listener(on) whenever the switch changes; returns the function that stops it. */
function onChange(listener) {
  listeners.push(listener)
  return () => {
    const index = listeners.indexOf(listener)
    if (index >= 0) listeners.splice(index, 1)
  }
}

/**
 * Made on first use rather than when this module loads: Behavior() must come from the
 * framework that registers the page (WeChat, or miniprogram-simulate in tests).
 */
function behavior() {
  if (!cachedBehavior) {
    cachedBehavior = Behavior({
      data: { elder: false },
      lifetimes: {
        attached() {
          this.setData({ elder: isOn() })
          // Pages further down the stack follow too, so going back shows the same mode.
          this.stopFollowingElder = onChange((value) => this.setData({ elder: value }))
        },
        detached() {
          if (this.stopFollowingElder) this.stopFollowingElder()
        },
      },
    })
  }
  return cachedBehavior
}

module.exports = { STORAGE_KEY, isOn, setOn, onChange, behavior }
