export default {
  counts: {
    customers: '客户',
    groups: '社群',
    products: '商品',
    members: '会员',
    orders: '订单',
    unattributed: '待归属订单',
    unattributedHint: '没有带邀请码的订单，点击去归属',
  },
  sales: {
    title: '近 30 天销售额',
    total: '合计 {amount}',
    amount: '销售额（元）',
    orders: '订单数',
    empty: '近 30 天还没有订单',
  },
  newest: { title: '最新客户', empty: '还没有客户，去导入客户名单吧', import: '导入客户', created: '建档' },
  groups: { title: '社群概览', empty: '还没有社群', owner: '群主', members: '会员', customers: '客户' },
  loadFailed: '工作台数据加载失败',
}
