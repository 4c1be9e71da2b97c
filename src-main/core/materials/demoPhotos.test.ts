import { describe, expect, it } from 'vitest'
import { demoBuyerPhotos, demoProductPhotos } from './demoPhotos'

describe('the demo studio’s photos', () => {
  it('show the product they are for: a nappy pack for 纸尿裤, a bottle for 奶瓶, nothing for a product no photo shows', () => {
    expect(demoProductPhotos('好奇 铂金装纸尿裤 M 号 92 片')).toEqual(['demo:products/MY-1.jpg', 'demo:products/MY-2.jpg'])
    expect(demoBuyerPhotos('好奇 铂金装纸尿裤 M 号 92 片')).toEqual(['buyers/MY-1.jpg'])
    expect(demoProductPhotos('贝亲 宽口径玻璃奶瓶 240ml')).toEqual(['demo:products/MY-3.jpg'])
    expect(demoBuyerPhotos('飞鹤 星飞帆 3 段幼儿奶粉 700g')).toEqual(['buyers/MY-2.jpg'])
    expect(demoProductPhotos('可优比 轻便婴儿推车')).toEqual([])
    expect(demoBuyerPhotos('可优比 轻便婴儿推车')).toEqual([])
    // A single-product shot comes before one of it with a companion.
    expect(demoProductPhotos('珀莱雅 双抗精华液 30ml')[0]).toBe('demo:products/MZ-1.jpg')
  })
})
