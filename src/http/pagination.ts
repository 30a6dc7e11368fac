import type { FastifyReply, FastifyRequest } from 'fastify'

export interface PageRequest {
  page: number
  limit: number
}

/** The page asked for; the schema's defaults apply, repeated here for the type checker. */
export const pageOf = (query: { page?: number; limit?: number }): PageRequest => ({
  page: query.page ?? 1,
  limit: query.limit ?? 20
})

export const offsetOf = ({ page, limit }: PageRequest) => ({ limit, offset: (page - 1) * limit })

/**
 * The one pagination helper: builds the list envelope and sets RFC 8288 `Link` headers
 * (first, prev, next, last) that keep every other query parameter of the request.
 */
export function paginate<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  { page, limit }: PageRequest,
  items: T[],
  totalItems: number
) {
  const totalPages = Math.ceil(totalItems / limit)
  const [path = '', search = ''] = request.url.split('?')
  const linkTo = (target: number) => {
    const query = new URLSearchParams(search)
    query.set('page', String(target))
    query.set('limit', String(limit))
    return `<${path}?${query}>`
  }
  const links = [`${linkTo(1)}; rel="first"`]
  if (page > 1) links.push(`${linkTo(Math.min(page - 1, Math.max(totalPages, 1)))}; rel="prev"`)
  if (page < totalPages) links.push(`${linkTo(page + 1)}; rel="next"`)
  links.push(`${linkTo(Math.max(totalPages, 1))}; rel="last"`)
  reply.header('link', links.join(', '))
  return { items, page, limit, total_items: totalItems, total_pages: totalPages }
}
