import type zh from '../zh-CN/recovery'

export default {
  title: 'The database cannot be opened right now',
  reasons: {
    db_corrupt: 'The database file is damaged, perhaps by a power cut or a disk fault.',
    db_locked: 'The database is in use by another Orchard window or program. Close other Orchard windows and open Orchard again.',
    db_newer: 'This database was written by a newer version of Orchard, which this version cannot read safely. Update Orchard or restore a backup.',
    db_migrations_differ: 'The database’s structure does not match this version. Restore a backup or update Orchard.',
    other: 'Something went wrong while opening the database.',
  },
  technical: 'Technical details',
  folder: 'Data folder',
  backups: 'Available backups',
  noBackups: 'No backups were found. You can start an empty studio; the damaged file is kept.',
  restore: 'Restore this backup',
  restoreTitle: 'Restore this backup?',
  restoreBody: 'Orchard will reopen with the data of {file}. The database that cannot be opened is kept, not deleted.',
  empty: 'Start an empty studio',
  emptyTitle: 'Start an empty studio?',
  emptyBody: 'The database that cannot be opened is renamed and kept in the data folder (orchard.db.broken-<time>); Orchard restarts with an empty studio.',
  working: 'Working on it; Orchard will restart by itself…',
  kind: { auto: 'Automatic', manual: 'Manual', 'pre-restore': 'Before restore' },
  cancel: 'Cancel',
} satisfies typeof zh
