import type zh from '../zh-CN/lifecycle'

export default {} satisfies typeof zh
