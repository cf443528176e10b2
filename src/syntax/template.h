// Template languages inside documents: Jinja2/Go ({{ }}, {% %}, {# #}), ERB/EPP (<% %>, <%= %>),
// Terraform/Packer (${ }, %{ }) and shell expansions ($VAR, ${VAR}, $(...)). Readers see template
// logic as blank space and template expressions as opaque tokens; a fact whose host is an
// expression is kept (inventory, linkage) and never matches a literal target.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "syntax/syntax.h"

namespace ntpsweep::syntax {

struct TemplateSpan {
  size_t begin = 0;
  size_t end = 0;       // exclusive
  bool output = false;  // renders text ({{ x }}, <%= x %>, ${x}, $X); else logic or comment
  char dialect = 0;     // 'j' Jinja/Go, 'e' ERB/EPP, 't' Terraform/Packer, 's' shell
};

// Every template tag of `text`, in order, non-overlapping. Shell expansions ($X, $(...),
// backticks) are included only when `shell` is set; ${...} always is.
std::vector<TemplateSpan> FindTemplateSpans(std::string_view text, bool shell);

// True when `text` holds template logic or expressions of a template language (not only shell
// expansions): the file is a template rather than a deployed file.
bool LooksTemplated(std::string_view text);

// Reads `text` with `info`'s reader, template-aware: template logic is blanked, expressions are
// opaque tokens (Token::expression, Fact::variables), and facts of templates are `templated`.
// `path` is the entry's path (template extensions such as .j2 mark a template); the reader
// named "template" gets the path too (it maps a template to the file it renders).
void ReadDocument(const SyntaxInfo& info, std::string_view path, std::string_view text,
                  Document* out);

// The `template` syntax: a template file of a time-daemon config is embedded as that config
// (templates/chrony.conf.j2 is read as chrony.conf); template-level defaults
// (`{% set servers = salt['pillar.get']('ntp:servers', ['0.pool.ntp.org']) %}`) become facts
// named after their key, and generic renderers (`{{ key }} {{ value }}`) facts named @dynamic.
void ReadTemplateFile(std::string_view path, std::string_view text, Document* out);
void ReadTemplate(std::string_view text, Document* out);  // table entry; path-less

// The file a template renders, when its name says so: "templates/chrony.conf.j2" ->
// "templates/chrony.conf", "templates/ntp.conf.debian.tmpl" -> "templates/ntp.conf",
// "templates/step-tickers.epp" -> "templates/etc/ntp/step-tickers". Empty when `path` is not a
// template of a time-daemon configuration.
std::string TemplateDestination(std::string_view path);

// `path` without its template suffixes (.j2, .jinja, .jinja2, .erb, .epp, .tmpl, .tpl,
// .template, .mustache, .in, ...), stacked ones too: "templates/chronyd.sh.j2" ->
// "templates/chronyd.sh". `path` itself when it has none.
std::string_view StripTemplateSuffixes(std::string_view path);

// Names an expression reads: identifiers ($ntp::servers -> ntp::servers, value['hostname'] ->
// value), pillar keys (salt['pillar.get']('ntp:servers') -> ntp:servers).
std::vector<std::string> ExpressionNames(std::string_view expression);

}  // namespace ntpsweep::syntax
