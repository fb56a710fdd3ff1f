const elder = require('../../utils/elder')
const notify = require('../../utils/notify')

/**
 * 长辈版's replacement for toasts and dialogs (utils/notify.js): a bar at the bottom of the
 * page that stays until answered, over nothing — the page above it still scrolls and works.
 * Every page carries one, so a message is seen whichever page is open.
 */
Component({
  behaviors: [elder.behavior()],
  data: { notice: null },
  lifetimes: {
    attached() {
      this.setData({ notice: notify.current() })
      this.stopFollowing = notify.onChange((notice) => this.setData({ notice }))
    },
    detached() {
      if (this.stopFollowing) this.stopFollowing()
    },
  },
  methods: {
    onConfirm() {
      notify.answer(true)
    },
    onCancel() {
      notify.answer(false)
    },
  },
})
