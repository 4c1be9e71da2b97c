import type zh from '../zh-CN/dashboard'

export default {
  counts: {
    customers: 'Customers',
    groups: 'Groups',
    products: 'Products',
    members: 'Members',
    orders: 'Orders',
    unattributed: 'Unattributed orders',
    unattributedHint: 'Orders without an invite code: click to assign them',
  },
  sales: {
    title: 'Sales, last 30 days',
    total: 'Total {amount}',
    amount: 'Sales (¥)',
    orders: 'Orders',
    empty: 'No orders in the last 30 days',
  },
  newest: { title: 'Newest customers', empty: 'No customers yet: import your customer list', import: 'Import customers', created: 'Added' },
  groups: { title: 'Groups', empty: 'No groups yet', owner: 'Owner', members: 'Members', customers: 'Customers' },
  loadFailed: 'Could not load the dashboard',
} satisfies typeof zh
