import type zh from '../zh-CN/ledger'

export default {} satisfies typeof zh
