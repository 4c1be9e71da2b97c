import type zh from '../zh-CN/recovery'

export default {
  title: 'The database cannot be opened right now',
  subtitle: 'Your data has not been deleted. Choose one of the ways below to continue.',
  reasons: {
    db_corrupt: 'The database file is damaged, perhaps by a power cut, a forced shutdown or a disk fault.',
    db_locked:
      'The database is in use by another Orchard window or program. Close other Orchard windows (or a running orchard command) and open Orchard again.',
    db_newer:
      'This database was written by a newer version of Orchard, which this version cannot read safely. Update Orchard; to keep using this version, restore a backup.',
    db_migrations_differ: 'The database’s structure does not match this version of Orchard. Update Orchard or restore a backup.',
    db_open_failed: 'The database file could not be opened. Check that the data folder exists, the disk is not full and you may read and write there.',
    native_binding_missing: 'Orchard’s database component is not prepared for the desktop app yet. Start Orchard with npm start, which prepares it first.',
    other: 'Something went wrong while opening the database.',
  },
  technical: 'Technical details',
  folder: 'Data folder',
  showFolder: 'Show in folder',
  backups: 'Available backups',
  backupsHint: 'Newest first. Before restoring, the database that cannot be opened is kept, not deleted.',
  noBackups: 'No backups were found. You can start an empty studio; the file that cannot be opened is kept.',
  restore: 'Restore this backup',
  restoreTitle: 'Restore this backup?',
  restoreBody: 'Orchard will reopen with the backup from {time} ({file}). The database that cannot be opened is kept, not deleted.',
  empty: 'Start an empty studio',
  emptyHint: 'The database that cannot be opened is renamed and kept in the data folder (orchard.db.broken-<time>); Orchard restarts with an empty studio.',
  emptyTitle: 'Start an empty studio?',
  emptyBody:
    'The database that cannot be opened is renamed and kept in the data folder (orchard.db.broken-<time>), so it can still be repaired later. Orchard restarts with an empty studio.',
  working: 'Working on it; Orchard will restart by itself…',
  kind: { auto: 'Automatic', manual: 'Manual', 'pre-restore': 'Before restore' },
  cancel: 'Cancel',
  nothingWrong: 'The database works normally; there is nothing to recover.',
  backToConsole: 'Back to the console',
  desktopOnly: 'The recovery screen is part of the desktop app. In browser mode, restore a backup with the command orchard restore FILE.',
  language: '中文',
} satisfies typeof zh
