"""The only layer that talks HTTP: VideosBackend over the openai SDK, error mapping, downloads."""

from .errors import BackendError
from .videos import DownloadResult, VideoInfo, VideoPage, VideosBackend

__all__ = ["BackendError", "DownloadResult", "VideoInfo", "VideoPage", "VideosBackend"]
