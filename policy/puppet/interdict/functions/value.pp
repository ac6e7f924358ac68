# A rule option's value as the policy language reads it: as it is when made
# only of safe characters, else quoted with \ and " escaped.
function interdict::value(String $v) >> String {
  if $v =~ /\A[A-Za-z0-9._:,\/+@%~=-]+\z/ {
    $v
  } else {
    "\"${regsubst(regsubst($v, '\\\\', '\\\\\\\\', 'G'), '"', '\\\\"', 'G')}\""
  }
}
