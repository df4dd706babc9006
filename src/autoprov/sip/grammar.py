"""RFC 3261 section 25 ABNF as named regular-expression pieces.

Each piece quotes the rule it implements. Pieces are plain ``str`` sources so they compose;
the modules that use them compile what they need once, at import. Where the parser is more
liberal than the grammar (bare LF line ends, a three-colon IPv6 reference) the piece says so.
"""

from __future__ import annotations

import re
import string

# Pieces composed from others are annotated: mypyc, which compiles this package, does not infer
# their type through the package's import cycle.

# 25.1 basic rules
#   alphanum  =  ALPHA / DIGIT
#   mark      =  "-" / "_" / "." / "!" / "~" / "*" / "'" / "(" / ")"
#   unreserved  =  alphanum / mark
ALPHANUM = r"A-Za-z0-9"
MARK = r"\-_.!~*'()"
UNRESERVED: str = ALPHANUM + MARK

#   token       =  1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~" )
TOKEN_CHARS = r"A-Za-z0-9\-.!%*_+`'~"  # noqa: S105 - the RFC "token" rule, no secret
TOKEN: str = rf"[{TOKEN_CHARS}]+"
TOKEN_SET: str = string.ascii_letters + string.digits + "-.!%*_+`'~"
"""The same characters one by one, for ``not text.strip(TOKEN_SET)``: all of them tokens."""

#   word        =  1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~" /
#                  "(" / ")" / "<" / ">" / ":" / "\" / DQUOTE / "/" / "[" / "]" / "?" / "{" / "}" )
WORD_CHARS: str = TOKEN_CHARS + r"()<>:\\\"/\[\]?{}"
WORD: str = rf"[{WORD_CHARS}]+"

#   LWS  =  [*WSP CRLF] 1*WSP ; folding is undone before values are parsed, so only WSP remains
#   SWS  =  [LWS]
SWS = r"[ \t]*"

#   quoted-string  =  SWS DQUOTE *(qdtext / quoted-pair ) DQUOTE
#   qdtext         =  LWS / %x21 / %x23-5B / %x5D-7E / UTF8-NONASCII
#   quoted-pair    =  "\" (%x00-09 / %x0B-0C / %x0E-7F)
QUOTED_STRING = r'"[^"\\\r\n]*(?:\\[^\r\n][^"\\\r\n]*)*"'

# 25.1 host names and addresses
#   hostname     =  *( domainlabel "." ) toplabel [ "." ]
#   domainlabel  =  alphanum / alphanum *( alphanum / "-" ) alphanum
#   IPv4address  =  1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT
#   IPv6reference  =  "[" IPv6address "]"
# Liberal on purpose, and free of nested repetition so that no input makes the matcher
# backtrack: a host is alphanumerics, dots and hyphens, starting and ending with an
# alphanumeric (IPv4 included); an IPv6 reference is hex digits, colons and dots with at
# least one colon, which also admits RFC 3261's buggy "2001:db8:::192.0.2.1" (RFC 5118 4.10).
HOSTNAME = r"[A-Za-z0-9](?:[A-Za-z0-9.\-]*[A-Za-z0-9])?\.?"
IPV6_ADDRESS = r"[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*"
IPV6_REFERENCE = rf"\[{IPV6_ADDRESS}\]"
HOST: str = rf"(?:{IPV6_REFERENCE}|{HOSTNAME})"
#   port  =  1*DIGIT
PORT = r"[0-9]{1,5}"

# 19.1.1 / 25.1 SIP-URI components. Escapes ("%" HEXDIG HEXDIG) are admitted as "%" in the
# character classes and checked separately with BAD_ESCAPE, which keeps the classes flat.
#   escaped          =  "%" HEXDIG HEXDIG
#   user             =  1*( unreserved / escaped / user-unreserved )
#   user-unreserved  =  "&" / "=" / "+" / "$" / "," / ";" / "?" / "/"
#   password         =  *( unreserved / escaped / "&" / "=" / "+" / "$" / "," )
BAD_ESCAPE = r"%(?![0-9A-Fa-f]{2})"
USER_SAFE: str = UNRESERVED + r"&=+$,;?/"
PASSWORD_SAFE: str = UNRESERVED + r"&=+$,"
USERINFO: str = rf"(?P<user>[{USER_SAFE}%]+)(?::(?P<password>[{PASSWORD_SAFE}%]*))?"
#   other-param      =  pname [ "=" pvalue ]
#   pname / pvalue   =  1*paramchar
#   paramchar        =  param-unreserved / unreserved / escaped
#   param-unreserved =  "[" / "]" / "/" / ":" / "&" / "+" / "$"
PARAM_SAFE: str = UNRESERVED + r"\[\]/:&+$"
URI_PARAMETERS: str = rf"(?:;[{PARAM_SAFE}%]+(?:=[{PARAM_SAFE}%]+)?)*"
#   headers          =  "?" header *( "&" header )
#   header           =  hname "=" hvalue
#   hname            =  1*( hnv-unreserved / unreserved / escaped )
#   hvalue           =  *( hnv-unreserved / unreserved / escaped )
#   hnv-unreserved   =  "[" / "]" / "/" / "?" / ":" / "+" / "$"
HNV_SAFE: str = UNRESERVED + r"\[\]/?:+$"
_HNAME: str = rf"[{HNV_SAFE}%]+"
_HVALUE: str = rf"[{HNV_SAFE}%]*"
URI_HEADERS: str = rf"{_HNAME}={_HVALUE}(?:&{_HNAME}={_HVALUE})*"

# 19.1.1 SIP-URI after the scheme and the userinfo:  hostport uri-parameters [ headers ]
SIP_URI_REST: str = (
    rf"(?P<host>{HOST})(?::(?P<port>{PORT}))?"
    rf"(?P<params>{URI_PARAMETERS})(?:\?(?P<headers>{URI_HEADERS}))?"
)

# 25.1 absoluteURI (RFC 2396), as used for non-SIP schemes in Request-URIs and name-addrs
#   scheme  =  ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
#   uric    =  reserved / unreserved / escaped
#   reserved  =  ";" / "/" / "?" / ":" / "@" / "&" / "=" / "+" / "$" / ","
SCHEME = r"[A-Za-z][A-Za-z0-9+\-.]*"
URIC: str = rf"[{UNRESERVED};/?:@&=+$,\[\]%]"
ABSOLUTE_URI: str = rf"(?P<scheme>{SCHEME}):(?P<value>{URIC}+)"

# 25.1 request and status lines
#   SIP-Version    =  "SIP" "/" 1*DIGIT "." 1*DIGIT
#   Status-Code    =  3DIGIT (extension-code = 3DIGIT)
SIP_VERSION = r"[Ss][Ii][Pp]/[0-9]+\.[0-9]+"
STATUS_CODE = r"[1-6][0-9]{2}"

# 20.8 Call-ID  =  word [ "@" word ]
CALL_ID: str = rf"{WORD}(?:@{WORD})?"

# 20.16 CSeq  =  1*DIGIT LWS Method
CSEQ: str = rf"(?P<seq>[0-9]+)[ \t]+(?P<method>{TOKEN})"

# 20.42 Via
#   via-parm         =  sent-protocol LWS sent-by *( SEMI via-params )
#   sent-protocol    =  protocol-name SLASH protocol-version SLASH transport
#   sent-by          =  host [ COLON port ]
#   SLASH / COLON    =  SWS "/" SWS  /  SWS ":" SWS
VIA_PARM: str = (
    rf"(?P<name>{TOKEN}){SWS}/{SWS}(?P<version>{TOKEN}){SWS}/{SWS}(?P<transport>{TOKEN})"
    rf"[ \t]+(?P<host>{HOST})(?:{SWS}:{SWS}(?P<port>{PORT}))?{SWS}"
)

# 7.3.1 header-field  =  field-name HCOLON field-value ; HCOLON = *( SP / HTAB ) ":" SWS
#   Folding (CRLF followed by SP/HTAB) is one space; 7.5 asks to accept a bare LF as well.
FOLDING = r"[ \t]*\r?\n[ \t]+"

#   generic-param  =  token [ EQUAL gen-value ] ; gen-value = token / host / quoted-string
#   The value also admits an IPv6 address without brackets (RFC 5118 4.5 "received").
GEN_VALUE: str = rf"(?:{QUOTED_STRING}|[{TOKEN_CHARS}:\[\]]+)"
GENERIC_PARAM: str = rf"{SWS};{SWS}(?P<pname>{TOKEN})(?:{SWS}={SWS}(?P<pvalue>{GEN_VALUE}))?{SWS}"

TOKEN_RE = re.compile(TOKEN)
QUOTED_STRING_RE = re.compile(QUOTED_STRING)
