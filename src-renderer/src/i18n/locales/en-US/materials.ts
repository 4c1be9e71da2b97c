import type zh from '../zh-CN/materials'

export default {} satisfies typeof zh
