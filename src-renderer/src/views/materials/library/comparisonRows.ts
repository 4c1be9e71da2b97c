export { COMPARISON_MAX_AGE_DAYS, COMPARISON_MAX_SOURCES, comparisonStandings, type ComparisonStanding } from '@shared/materials/rules'
