/**
 * The rendering engine for material packs: poster templates, Chinese text
 * layout on the shipped font, member posters with their invite QR, price
 * comparisons (比价图) and buyer-show collages (买家秀).
 */
export { resourcesDir } from './resources'
export { defaultTemplates, validateTemplate } from './templates'
export type { PosterTemplate } from './templates'
export { fitText, measureText } from './text'
export type { FittedText } from './text'
export { formatFen, splitFen } from './price'
export { preparePoster, renderMemberPoster, renderTemplatePreview, sampleMember, sampleProduct } from './poster'
export type { PosterMember, PosterOutput, PosterProduct, PosterStudio, PosterWarning, PreparedPoster, PreviewSample } from './poster'
export { checkComparison, MAX_COMPARISON_ENTRIES, renderComparison } from './comparison'
export type { ComparisonEntry, ComparisonInput } from './comparison'
export { MAX_COLLAGE_PHOTOS, renderCollage } from './collage'
export type { CollageInput } from './collage'
