# One rule of interdict::rules as a line of a rules file. Fails the
# catalog for what no rules file can express (a control character, tab and
# newline included) or the class cannot turn into a rule; what can be
# written but is invalid is left to `interdict check`, at validate_cmd.
function interdict::rule_line(Hash $r, Integer $index) >> String {
  $where = "interdict::rules[${index}]${if $r['id'] =~ String { " (id ${r['id']})" } else { '' }}"
  $known = ['action', 'path', 'sha256', 'id', 'msg', 'on', 'mode']
  $r.keys.each |$k| {
    unless $k in $known {
      fail("${where}: unknown key '${k}'; expected ${join($known, ', ')}")
    }
  }
  unless $r['action'] in ['deny', 'allow', 'audit'] {
    fail("${where}: action '${r['action']}'; expected deny, allow or audit")
  }
  $matches = ['path', 'sha256'].filter |$k| { $k in $r }
  if $matches.length != 1 {
    fail("${where}: expected exactly one match, path or sha256")
  }
  unless 'id' in $r {
    fail("${where}: no id; every rule needs one")
  }
  $on = $r['on'] ? {
    undef   => [],
    String  => split($r['on'], ','),
    default => $r['on'],
  }
  (['action', 'id', 'msg', 'mode'] + $matches).each |$k| {
    if $k in $r and !($r[$k] =~ String) {
      fail("${where}: ${k} is not a string")
    }
  }
  unless $on =~ Array[String] {
    fail("${where}: on is a list of hooks (exec, mmap, open)")
  }
  ([$r['action'], $r[$matches[0]], $r['id'], $r['msg'], $r['mode']] + $on).each |$v| {
    if $v =~ String and $v =~ /[\x00-\x1f\x7f]/ {
      fail("${where}: a value holds a control character (tab, newline...), which no rule can express")
    }
  }
  $kind = $matches[0]
  $words = [
    $r['action'],
    "${kind}=${interdict::value($r[$kind])}",
    "id=${interdict::value($r['id'])}",
  ] + ($on.empty ? { true => [], default => ["on=${interdict::value(join($on, ','))}"] }) + ($r['mode'] ? {
    undef   => [],
    default => ["mode=${interdict::value($r['mode'])}"],
  }) + ($r['msg'] ? {
    undef   => [],
    ''      => [],
    default => ["msg=\"${regsubst(regsubst($r['msg'], '\\\\', '\\\\\\\\', 'G'), '"', '\\\\"', 'G')}\""],
  })
  join($words, ' ')
}
