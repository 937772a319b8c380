"""Temporal activities: all I/O of an episode, each idempotent."""

from activities.episode_store import EpisodeStore
from activities.matching import PeerMatcher
from activities.notifications import EmailSender, Notifier, SmsSender

__all__ = ["EmailSender", "EpisodeStore", "Notifier", "PeerMatcher", "SmsSender"]
