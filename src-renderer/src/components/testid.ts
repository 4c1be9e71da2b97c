import type { InputHTMLAttributes } from 'vue'

/** naive-ui inputs take native attributes through input-props; this lets tests find the real <input>. */
export const testInput = (id: string): InputHTMLAttributes => ({ 'data-testid': id }) as InputHTMLAttributes
