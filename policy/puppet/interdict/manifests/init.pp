# @summary Installs interdict, writes interdict.conf and one policy file,
#   keeps interdictd running, and applies changes without a gap.
#
# Mirrors the Ansible role in policy/ansible (see "Config management" in
# policy/README.md).
#
# @param package A package name, or the path of a .deb on the node.
# @param mode The global mode; switched live with `interdict mode`.
# @param rules Rules as hashes: action (deny|allow|audit), path or sha256,
#   id, and optionally msg, on (array or comma-separated string), mode.
# @param config Extra interdict.conf keys (not mode).
# @param rules_file The policy file this class owns.
# @param config_file The daemon's config file.
# @param cli The interdict command.
# @param service The systemd unit.
#
# @example
#   class { 'interdict':
#     mode  => 'audit',
#     rules => [
#       { 'action' => 'deny', 'path' => '/opt/kaspersky/', 'id' => 'bod1701-tree',
#         'msg' => 'BOD 17-01: banned vendor' },
#       { 'action' => 'allow', 'path' => '/opt/kaspersky/kesl/bin/uninstall.sh',
#         'id' => 'bod1701-uninstaller' },
#     ],
#   }
class interdict (
  String[1] $package = 'interdict',
  Enum['audit', 'enforce'] $mode = 'audit',
  Array[Hash] $rules = [],
  Hash[Pattern[/\A[a-z0-9-]+\z/], Variant[String[1], Integer[0]]] $config = {},
  Pattern[/\A\/[A-Za-z0-9._\/-]*[^\/]\z/] $rules_file =
    "${($config['policy-dir'] =~ String) ? { true => $config['policy-dir'], default => '/etc/interdict/policy.d' }}/50-puppet.rules",
  Pattern[/\A\/[A-Za-z0-9._\/-]+\z/] $config_file = '/etc/interdict/interdict.conf',
  Pattern[/\A\/[A-Za-z0-9._\/-]+\z/] $cli = '/usr/sbin/interdict',
  String[1] $service = 'interdictd',
) {
  if 'mode' in $config {
    fail('interdict::config: mode is set by interdict::mode')
  }
  $config.each |$k, $v| {
    if "${v}" =~ /[\x00-\x1f\x7f]|(\A|\s)#/ {
      fail("interdict::config: ${k} cannot be written to interdict.conf (a control character, or a word starting with '#')")
    }
  }
  $lines = $rules.map |$i, $r| { interdict::rule_line($r, $i) }
  $dir = regsubst($rules_file, '/[^/]+\z', '')
  $file_name = regsubst($rules_file, '\A.*/', '')
  $etc = regsubst($config_file, '/[^/]+\z', '')
  $ctl = 'control' in $config ? { true => "--control ${config['control']} ", default => '' }

  if $package =~ /\.deb\z/ {
    package { 'interdict':
      ensure   => installed,
      provider => dpkg,
      source   => $package,
    }
  } else {
    package { 'interdict':
      ensure => installed,
    }
  }

  file { $config_file:
    ensure       => file,
    owner        => 'root',
    group        => 'root',
    mode         => '0644',
    content      => epp('interdict/interdict.conf.epp', { 'mode' => $mode, 'config' => $config }),
    validate_cmd => "${cli} check --config %",
    require      => Package['interdict'],
  }

  # `interdict check --dir DIR --as NAME FILE` checks Puppet's temporary
  # file in the place of DIR/NAME: clashes with the other files are found,
  # and the old copy of rules_file does not clash with its successor.
  $check = "${cli} check --config ${config_file} --dir ${dir} --as ${file_name} %"

  file { $rules_file:
    ensure       => file,
    owner        => 'root',
    group        => 'root',
    mode         => '0644',
    content      => epp('interdict/rules.epp', { 'lines' => $lines }),
    validate_cmd => $check,
    require      => File[$config_file],
    notify       => Service[$service],
  }

  # The daemon reads settings other than mode only at start: this file
  # holds them alone, so that it changes, and restarts the daemon, only
  # when one of them does. It comes after the rules file, so a run whose
  # rules were refused restarts on the next one.
  file { "${etc}/.puppet-settings":
    ensure  => file,
    owner   => 'root',
    group   => 'root',
    mode    => '0644',
    content => join($config.keys.sort.map |$k| { "${k} = ${config[$k]}\n" }, ''),
    require => File[$rules_file],
    notify  => Exec['interdict restart'],
  }

  # ExecReload is the synchronous `interdict reload`: a policy the daemon
  # refuses fails the reload, and the old policy stays in force.
  service { $service:
    ensure  => running,
    enable  => true,
    restart => "/bin/systemctl reload ${service}",
  }

  exec { 'interdict restart':
    command     => "/bin/systemctl restart ${service}",
    refreshonly => true,
    require     => Service[$service],
  }

  # The daemon reads mode only at start; `interdict mode` switches it live.
  # Checked against the running daemon on every run, so a mode switched by
  # hand or a run that failed half-way is repaired too.
  exec { 'interdict mode':
    command  => "${cli} ${ctl}mode ${mode}",
    unless   => "${cli} ${ctl}-j status | grep -q '\"mode\":\"${mode}\"'",
    provider => shell,
    require  => [Service[$service], Exec['interdict restart'], File[$config_file]],
  }
}
