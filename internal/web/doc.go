// Package web is earkiv's web interface for the people of each
// municipality: server-rendered pages in Swedish (html/template, with htmx
// and Pico CSS embedded), a login by password or the municipality's
// identity provider, and the pages of the archive: deliveries and their
// receipts, fixity, cases and documents, personal API tokens and, for the
// administratör, the municipality's people.
//
// Every route is registered on an authz.Mux with the permission it needs.
// The tenant always comes from the principal of the request's session,
// never from the URL: another municipality's ids read as unknown ones.
// Every view of a case, document or file is written to the access log
// before the page is sent, and a restricted one only with a reason.
package web
