const elder = require('../../utils/elder')

/** The 长辈版 switch: the whole row is the tap target (a label around the switch). */
Component({
  behaviors: [elder.behavior()],
  methods: {
    onChange(e) {
      elder.setOn(!!e.detail.value)
    },
  },
})
