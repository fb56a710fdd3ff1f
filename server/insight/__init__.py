"""Insight into what citizens raised: the quarterly analysis (summary rows), its topics (jieba
keywords), clusters of similar items, similar past items and the fair responsiveness tables."""
