import m0001 from './0001_records'
import m0002 from './0002_materials'
import m0003 from './0003_lifecycle'
import m0004 from './0004_ledger'
import m0005 from './0005_sync'
import m0006 from './0006_material_library'
import m0007 from './0007_pack_run_time'
import m0008 from './0008_ledger_checks'
import m0009 from './0009_segment_index'
import m0010 from './0010_jobs'
import m0011 from './0011_ledger_settlement'
import m0012 from './0012_sync_refused'
import m0013 from './0013_member_pages'
import m0014 from './0014_record_changes'
import m0015 from './0015_order_money'
import m0016 from './0016_import_rejected_rows'
import m0017 from './0017_customer_follow_ups'
import m0018 from './0018_customer_merges'
import m0019 from './0019_records_sync'
import m0020 from './0020_record_conflicts'
import m0021 from './0021_shared_orders'
import m0022 from './0022_record_sets_deltas'
import m0023 from './0023_records_snapshot'
import m0024 from './0024_team_audit'
import m0025 from './0025_studio_settings'
import m0026 from './0026_shared_materials'
import m0027 from './0027_shared_lifecycle'
import m0028 from './0028_shared_schemes'
import m0029 from './0029_shared_photos'
import m0030 from './0030_team_merges_and_upgrade'
import m0031 from './0031_proposal_ids'

/**
 * Forward-only numbered migrations, loaded through a static map (bundled code has no
 * folder to read). Append new entries; never edit or reorder applied ones.
 */
export const migrations: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  { version: 1, name: '0001_records', sql: m0001 },
  { version: 2, name: '0002_materials', sql: m0002 },
  { version: 3, name: '0003_lifecycle', sql: m0003 },
  { version: 4, name: '0004_ledger', sql: m0004 },
  { version: 5, name: '0005_sync', sql: m0005 },
  { version: 6, name: '0006_material_library', sql: m0006 },
  { version: 7, name: '0007_pack_run_time', sql: m0007 },
  { version: 8, name: '0008_ledger_checks', sql: m0008 },
  { version: 9, name: '0009_segment_index', sql: m0009 },
  { version: 10, name: '0010_jobs', sql: m0010 },
  { version: 11, name: '0011_ledger_settlement', sql: m0011 },
  { version: 12, name: '0012_sync_refused', sql: m0012 },
  { version: 13, name: '0013_member_pages', sql: m0013 },
  { version: 14, name: '0014_record_changes', sql: m0014 },
  { version: 15, name: '0015_order_money', sql: m0015 },
  { version: 16, name: '0016_import_rejected_rows', sql: m0016 },
  { version: 17, name: '0017_customer_follow_ups', sql: m0017 },
  { version: 18, name: '0018_customer_merges', sql: m0018 },
  { version: 19, name: '0019_records_sync', sql: m0019 },
  { version: 20, name: '0020_record_conflicts', sql: m0020 },
  { version: 21, name: '0021_shared_orders', sql: m0021 },
  { version: 22, name: '0022_record_sets_deltas', sql: m0022 },
  { version: 23, name: '0023_records_snapshot', sql: m0023 },
  { version: 24, name: '0024_team_audit', sql: m0024 },
  { version: 25, name: '0025_studio_settings', sql: m0025 },
  { version: 26, name: '0026_shared_materials', sql: m0026 },
  { version: 27, name: '0027_shared_lifecycle', sql: m0027 },
  { version: 28, name: '0028_shared_schemes', sql: m0028 },
  { version: 29, name: '0029_shared_photos', sql: m0029 },
  { version: 30, name: '0030_team_merges_and_upgrade', sql: m0030 },
  { version: 31, name: '0031_proposal_ids', sql: m0031 },
]

export const LATEST_SCHEMA_VERSION = migrations[migrations.length - 1].version
