#!/usr/bin/perl
# The lab's light instance: answers like code-server's /healthz on :8080, and
# /bytes/N with N zero bytes (for tunnel throughput), nothing else.
# Like code-server, it answers a probe without starting a process: a few
# workers forked once accept in turn. A request gets 10 s and a download
# 120 s, so a stalled client cannot hold a worker for long.
use strict;
use warnings;
use IO::Socket::INET;
use POSIX ();

my $WORKERS = 8;
$SIG{PIPE} = 'IGNORE';
my $server = IO::Socket::INET->new(LocalAddr => '0.0.0.0', LocalPort => 8080, Listen => 512, ReuseAddr => 1)
  or die "light-server: cannot listen on 8080: $!\n";

sub serve {
  my ($client) = @_;
  local $SIG{ALRM} = sub { die "slow client\n" };
  alarm 10;
  eval {
    my $line = <$client> // '';
    while (defined(my $h = <$client>)) { last if $h =~ /^\r?\n$/; }
    if ($line =~ m{^GET /bytes/(\d+) }) {
      my $n = $1;
      print $client "HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: $n\r\nConnection: close\r\n\r\n";
      # A download may take longer than a request, not forever.
      alarm 120;
      my $chunk = "\0" x 65536;
      while ($n > 0) {
        my $part = $n < 65536 ? substr($chunk, 0, $n) : $chunk;
        print $client $part or last;
        $n -= length $part;
      }
    } else {
      my $body = '{"status":"alive","lastHeartbeat":0}';
      print $client "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\nContent-Length: " . length($body) . "\r\nConnection: close\r\n\r\n$body";
    }
  };
  alarm 0;
  close $client;
}

sub worker {
  my $pid = fork;
  return $pid if !defined $pid || $pid;
  $SIG{TERM} = $SIG{INT} = sub { POSIX::_exit(0) };
  while (1) { my $c = $server->accept or next; serve($c); }
}

my @kids = grep { defined } map { worker() } 1 .. $WORKERS;
die "light-server: cannot fork workers: $!\n" unless @kids;
# As PID 1 a signal without a handler is ignored: without this, every stop
# would wait out Docker's 10 s grace period.
$SIG{TERM} = $SIG{INT} = sub { kill 'TERM', @kids; exit 0 };
# A worker that died (it should not) is replaced.
while (1) {
  my $gone = waitpid(-1, 0);
  next if $gone <= 0;
  @kids = grep { $_ != $gone } @kids;
  my $pid = worker();
  push @kids, $pid if defined $pid;
}
